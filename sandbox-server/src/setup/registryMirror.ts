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

export async function registryAnswers(config: DrydockConfig): Promise<boolean> {
  try {
    const response = await fetch(`http://${registryAddress(config)}/v2/`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200 || response.status === 401;
  } catch {
    return false;
  }
}

function registryConfig(config: DrydockConfig): string {
  const proxy = config.mirrorUpstream ? `proxy:\n  remoteurl: ${config.mirrorUpstream}\n` : '';
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
http:
  addr: ${registryAddress(config)}
${proxy}`;
}

export async function ensureRegistry(config: DrydockConfig): Promise<void> {
  if (await registryAnswers(config)) return;
  const configPath = path.join(config.dataDir, 'registry-config.yml');
  const logPath = path.join(config.dataDir, 'logs', 'registry.log');
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  fs.writeFileSync(configPath, registryConfig(config));
  note(`starting the registry mirror on ${registryAddress(config)} (log: ${logPath})`);
  const log = fs.openSync(logPath, 'a');
  const child = spawn('docker-registry', ['serve', configPath], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  fs.closeSync(log);
  for (let waited = 0; waited < 20_000; waited += 200) {
    if (await registryAnswers(config)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the registry mirror did not answer within 20 s; see ${logPath}`);
}
