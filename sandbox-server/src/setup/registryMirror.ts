// The registry that serves lesson images to every sandbox (Debian's docker-registry).
// It holds the locally built stand-ins under their official names, or, when an
// upstream is configured, proxies that registry (pull-through cache).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { DrydockConfig } from '../config.js';
import { note } from './progress.js';

export function registryAddress(config: DrydockConfig): string {
  return `127.0.0.1:${config.registryPort}`;
}

/** Where sandboxes reach the mirror: the sandbox network's gateway on the host. */
export function mirrorAddress(config: DrydockConfig): string {
  return `${config.sandboxGateway}:${config.mirrorPort}`;
}

export async function registryAnswers(config: DrydockConfig, address = registryAddress(config)): Promise<boolean> {
  try {
    const response = await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200 || response.status === 401;
  } catch {
    return false;
  }
}

/** Two registry processes share one storage folder: the one on loopback takes Drydock's
 * pushes (a loopback registry needs no TLS); the one on the sandbox gateway serves the
 * sandboxes, read-only unless it proxies an upstream. Both are detached processes of
 * their own, so no Drydock server owns the sandboxes' pulls: one stopping (a test, a
 * restart) never cuts another's download short. */
interface RegistryInstance {
  name: string;
  address: string;
  readOnly: boolean;
}

function registryInstances(config: DrydockConfig): RegistryInstance[] {
  return [
    { name: 'registry', address: registryAddress(config), readOnly: false },
    { name: 'registry-sandboxes', address: mirrorAddress(config), readOnly: !config.mirrorUpstream },
  ];
}

function registryConfig(config: DrydockConfig, instance: RegistryInstance): string {
  const proxy = config.mirrorUpstream ? `proxy:\n  remoteurl: ${config.mirrorUpstream}\n` : '';
  const maintenance = instance.readOnly ? '  maintenance:\n    readonly:\n      enabled: true\n' : '';
  return `version: 0.1
log:
  level: warn
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: ${path.join(config.dataDir, 'registry')}
  delete:
    enabled: true
${maintenance}http:
  addr: ${instance.address}
${proxy}`;
}

export async function ensureRegistry(config: DrydockConfig): Promise<void> {
  for (const instance of registryInstances(config)) await ensureRegistryInstance(config, instance);
}

async function ensureRegistryInstance(config: DrydockConfig, instance: RegistryInstance): Promise<void> {
  if (await registryAnswers(config, instance.address)) return;
  const configPath = path.join(config.dataDir, `${instance.name}-config.yml`);
  const logPath = path.join(config.dataDir, 'logs', `${instance.name}.log`);
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  fs.writeFileSync(configPath, registryConfig(config, instance));
  note(`starting the registry mirror on ${instance.address} (log: ${logPath})`);
  const log = fs.openSync(logPath, 'a');
  const child = spawn('docker-registry', ['serve', configPath], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  fs.closeSync(log);
  for (let waited = 0; waited < 20_000; waited += 200) {
    if (await registryAnswers(config, instance.address)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the registry mirror did not answer on ${instance.address} within 20 s; see ${logPath}`);
}
