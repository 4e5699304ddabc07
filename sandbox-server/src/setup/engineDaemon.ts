// Finds the engine Drydock should use, or starts Drydock's own private one.
// The private engine remaps users (root in a sandbox is nobody on the host) and keeps
// its data, sockets and bridges apart from any other engine on the machine.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type Docker from 'dockerode';
import type { DrydockConfig } from '../config.js';
import { connectEngine, engineAnswers, engineRemapsUsers } from '../engine/hostEngine.js';
import { ensureBridge } from './hostNetwork.js';
import { note } from './progress.js';

export interface EngineChoice {
  docker: Docker;
  address: string;
  ownEngine: boolean;
}

export async function ensureEngine(config: DrydockConfig): Promise<EngineChoice> {
  const choice = await pickEngine(config);
  if (!(await engineRemapsUsers(choice.docker))) {
    const message =
      `the engine at ${choice.address} does not remap users (--userns-remap), so root in a sandbox would be root on this host.`;
    if (!config.allowUnsafeEngine) {
      throw new Error(`${message} Unset DOCKER_HOST to let Drydock start its own engine, or set DRYDOCK_ALLOW_UNSAFE_ENGINE=1 on a throwaway machine.`);
    }
    note(`WARNING: ${message}`);
  }
  return choice;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * DOCKER_HOST first; then Drydock's own engine if it runs; then the machine's engine on
 * the default socket if it remaps users; otherwise Drydock starts its own (as root).
 * An engine that does not remap users is used only when the operator allows it.
 */
async function pickEngine(config: DrydockConfig): Promise<EngineChoice> {
  if (config.dockerHost) {
    const docker = connectEngine(config.dockerHost);
    if (!(await engineAnswers(docker, 5000))) {
      throw new Error(`DOCKER_HOST is ${config.dockerHost} but no engine answers there. Start it, or unset DOCKER_HOST.`);
    }
    return { docker, address: config.dockerHost, ownEngine: false };
  }
  const address = `unix://${config.engineSocket}`;
  const docker = connectEngine(address);
  if (await engineAnswers(docker)) return { docker, address, ownEngine: true };

  const machineEngine = connectEngine(DEFAULT_SOCKET);
  const machineAnswers = fs.existsSync(DEFAULT_SOCKET) && (await engineAnswers(machineEngine));
  if (machineAnswers && (await engineRemapsUsers(machineEngine))) {
    return { docker: machineEngine, address: `unix://${DEFAULT_SOCKET}`, ownEngine: false };
  }
  if (process.getuid?.() !== 0) {
    if (machineAnswers && config.allowUnsafeEngine) return { docker: machineEngine, address: `unix://${DEFAULT_SOCKET}`, ownEngine: false };
    throw new Error(
      (machineAnswers
        ? `the engine on ${DEFAULT_SOCKET} does not remap users, so root in a sandbox would be root on this host, and only root can start Drydock's own engine. `
        : 'No Docker engine for Drydock is running and only root can start one. ') +
        'Run `npm start` as root, or point DOCKER_HOST at an engine started with --userns-remap=default.',
    );
  }
  if (machineAnswers) note(`the engine on ${DEFAULT_SOCKET} does not remap users; Drydock starts its own beside it`);
  await startOwnEngine(config);
  for (let waited = 0; waited < 60_000; waited += 250) {
    if (await engineAnswers(docker)) return { docker, address, ownEngine: true };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Drydock's engine did not answer within 60 s; see ${engineLogPath(config)}`);
}

export function engineLogPath(config: DrydockConfig): string {
  return path.join(config.dataDir, 'logs', 'dockerd.log');
}

async function startOwnEngine(config: DrydockConfig): Promise<void> {
  await ensureBridge(config.buildBridge, config.buildBridgeCidr);
  fs.mkdirSync(path.dirname(engineLogPath(config)), { recursive: true });
  fs.mkdirSync(config.runDir, { recursive: true });
  const log = fs.openSync(engineLogPath(config), 'a');
  note(`starting Drydock's engine on ${config.engineSocket} (log: ${engineLogPath(config)})`);
  // Started through a shell that exits at once, so the engine's parent is init and not
  // this process: otherwise an engine that stops while this process is busy in a
  // synchronous call (npm test waits on vitest that way) lingers as a zombie.
  const child = spawn(
    'sh',
    [
      '-c',
      'dockerd "$@" &',
      'sh',
      '--userns-remap=default',
      `--data-root=${path.join(config.dataDir, 'engine')}`,
      `--exec-root=${path.join(config.runDir, 'engine')}`,
      `--host=unix://${config.engineSocket}`,
      `--pidfile=${path.join(config.runDir, 'dockerd.pid')}`,
      `--bridge=${config.buildBridge}`,
      '--log-level=warn',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  fs.closeSync(log);
}
