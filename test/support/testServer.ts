// Starts a real Drydock server for a test: the real engine, real sandboxes, a free port,
// and an instance name of its own so its clean-up never touches another server's sandboxes.
import { loadConfig, type DrydockConfig } from '../../sandbox-server/src/config.js';
import { setUpHost } from '../../sandbox-server/src/setup/setupHost.js';
import { startServer, type RunningServer } from '../../sandbox-server/src/server.js';
import type { EngineChoice } from '../../sandbox-server/src/setup/engineDaemon.js';
import { DrydockClient } from './drydockClient.js';
import { removeSandboxesOfDeadProcesses } from './deadInstances.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Tests of the platform use a small fixture curriculum; the harness proves the real one. */
export const SAMPLE_LESSONS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/lessons/sample');

let engine: Promise<EngineChoice> | undefined;

/** Host set-up runs once per test process; it is a no-op when everything is in place. */
export function hostEngine(): Promise<EngineChoice> {
  engine ??= setUpHost(loadConfig()).then(async (choice) => {
    await removeSandboxesOfDeadProcesses(choice.docker, loadConfig().dataDir);
    return choice;
  });
  return engine;
}

export interface TestServer extends RunningServer {
  client: DrydockClient;
  config: DrydockConfig;
}

export async function startTestServer(overrides: Partial<DrydockConfig> = {}): Promise<TestServer> {
  const config: DrydockConfig = {
    ...loadConfig(),
    port: 0,
    host: '127.0.0.1',
    instance: `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    warmPoolSize: 0,
    lessonsDir: SAMPLE_LESSONS,
    databaseFile: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-db-')), 'drydock.sqlite'),
    ...overrides,
  };
  const server = await startServer(config, await hostEngine());
  const ownDatabase = !overrides.databaseFile;
  return {
    ...server,
    config,
    client: new DrydockClient(server.url),
    async close() {
      await server.close();
      if (ownDatabase) fs.rmSync(path.dirname(config.databaseFile), { recursive: true, force: true });
    },
  };
}
