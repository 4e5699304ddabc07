// Starts a real Drydock server for a test: the real engine, real sandboxes, a free port,
// and an instance name of its own so its clean-up never touches another server's sandboxes.
import { loadConfig, type DrydockConfig } from '../../sandbox-server/src/config.js';
import { setUpHost } from '../../sandbox-server/src/setup/setupHost.js';
import { startServer, type RunningServer } from '../../sandbox-server/src/server.js';
import type { EngineChoice } from '../../sandbox-server/src/setup/engineDaemon.js';
import { DrydockClient } from './drydockClient.js';

let engine: Promise<EngineChoice> | undefined;

/** Host set-up runs once per test process; it is a no-op when everything is in place. */
export function hostEngine(): Promise<EngineChoice> {
  engine ??= setUpHost(loadConfig());
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
    ...overrides,
  };
  const server = await startServer(config, await hostEngine());
  return { ...server, config, client: new DrydockClient(server.url) };
}
