// Sandboxes as containers running their own Docker engine, made by the hardened recipe:
// user namespace (engine side), Drydock's seccomp profile, private cgroup namespace,
// all capabilities but SYS_RESOURCE (only meaningful inside the user namespace), no
// --privileged, limits on memory, CPU and pids, and the engine's data on a disk of its
// own (sandboxDisk.ts; a volume where loop mounts are not possible).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { innerEngineClient } from './innerEngineSocket.js';
import { delegateCgroups, remappedRoot } from './cgroupDelegation.js';
import { sandboxSeccompProfile } from './seccompProfile.js';
import { watchSandboxStops } from './sandboxEvents.js';
import { watchSandboxActivity, type ActivitySource } from './sandboxActivity.js';
import { clearOrphanTasks, clearStaleTask } from './staleTasks.js';
import { run } from '../setup/run.js';
import { isMounted, type SandboxDisk, type SandboxDisks } from './sandboxDisk.js';
import type { ExecResult, Sandbox, SandboxBackend, SandboxState, TerminalStream } from './sandboxBackend.js';

export const SANDBOX_LABEL = 'drydock.sandbox';

/** The host engine's folder of a container's writable layer (overlay2: diff/ and work/). */
function writableLayerDir(info: Docker.ContainerInspectInfo): string | undefined {
  // The typings know only the devicemapper driver's data.
  const graph = info.GraphDriver as { Name?: string; Data?: Record<string, string> } | undefined;
  const upper = graph?.Name === 'overlay2' ? graph.Data?.UpperDir : undefined;
  return upper ? path.dirname(upper) : undefined;
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`WARNING: ${message}`);
}

const INSTANCE_LABEL = 'drydock.instance';
const GENERATION_LABEL = 'drydock.generation';
/** The id of the sandbox's disk (sandboxDisk.ts), when it has one. */
const DISK_LABEL = 'drydock.disk';
const ENGINE_RETURN_TIMEOUT_MS = 90_000;
/** Another server's disk that no sandbox names after this long is left over (they are named within seconds). */
const ORPHAN_DISK_AGE_MS = 10 * 60_000;

export interface DockerBackendOptions {
  image: string;
  network: string;
  /** host:port of the registry mirror as the sandbox sees it */
  mirror: string;
  memoryBytes: number;
  nanoCpus: number;
  pidsLimit: number;
  /** Separates several Drydock servers sharing one engine (tests do). */
  instance: string;
  userNamespaced: boolean;
  egress: 'on' | 'off';
  /** Drydock's own engine's exec root, to clear tasks left stale by its restarts (staleTasks.ts). */
  engineExecRoot?: string;
  readyTimeoutMs?: number;
  /** Each sandbox's /var/lib/docker on a disk of fixed size; without it (or disabled), a volume. */
  disks?: SandboxDisks;
}

export class DockerSandboxBackend implements SandboxBackend {
  private readonly seccomp = sandboxSeccompProfile();
  private readonly innerEngines = new Map<string, { pid: number; docker: Docker }>();
  /** This process's sandboxes are never "leftovers", even if listed during start-up. */
  private readonly generation = crypto.randomUUID();
  /** Sandbox id → the id of its disk, for the sandboxes this process made. */
  private readonly diskIds = new Map<string, string>();

  constructor(
    private readonly docker: Docker,
    private readonly options: DockerBackendOptions,
  ) {}

  async create(labels: Record<string, string>): Promise<Sandbox> {
    const o = this.options;
    // The disk's filesystem is made while the engine creates the container (its bind's
    // source exists at once); both are in place before the container starts.
    const disk = o.disks?.enabled ? o.disks.reserve() : undefined;
    const formatted = disk && o.disks!.format(disk);
    formatted?.catch(() => undefined);
    // CgroupnsMode is in the Engine API since 1.41; the typings lag behind.
    const hostConfig: Docker.HostConfig & { CgroupnsMode: 'private' } = {
      CapAdd: ['ALL'],
      CapDrop: ['SYS_RESOURCE'],
      SecurityOpt: ['apparmor=unconfined', `seccomp=${this.seccomp}`],
      CgroupnsMode: 'private',
      Tmpfs: { '/run': 'rw,exec,nosuid,size=65536k' },
      // Never overlay on overlay: the inner engine's storage lives on a disk of fixed
      // size of its own, or else on a volume.
      Mounts: [disk ? { Type: 'bind', Source: disk.engineDir, Target: '/var/lib/docker' } : { Type: 'volume', Source: '', Target: '/var/lib/docker' }],
      Memory: o.memoryBytes,
      MemorySwap: o.memoryBytes,
      NanoCpus: o.nanoCpus,
      PidsLimit: o.pidsLimit,
      NetworkMode: o.network,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
    };
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        Image: o.image,
        Hostname: 'sandbox',
        Labels: { ...labels, [SANDBOX_LABEL]: 'true', [INSTANCE_LABEL]: o.instance, [GENERATION_LABEL]: this.generation, ...(disk ? { [DISK_LABEL]: disk.id } : {}) },
        Env: [`DRYDOCK_MIRROR=${o.mirror}`, `DRYDOCK_EGRESS=${o.egress}`],
        HostConfig: hostConfig,
      });
    } catch (error) {
      await formatted?.catch(() => undefined);
      if (disk) await o.disks!.remove(disk.id).catch(() => undefined);
      throw error;
    }
    if (disk) this.diskIds.set(container.id, disk.id);
    try {
      await formatted;
      return await this.startContainer(container, disk);
    } catch (error) {
      await container.remove({ force: true, v: true }).catch(() => undefined);
      this.innerEngines.delete(container.id);
      await this.removeDisk(container.id, disk?.id).catch(() => undefined);
      throw error;
    }
  }

  /** Puts its writable layer on its disk, starts the container, hands it its cgroups,
   * and learns its inner engine's socket. */
  private async startContainer(container: Docker.Container, disk?: SandboxDisk): Promise<Sandbox> {
    if (disk) await this.bindWritableLayer(container, disk);
    await container.start();
    return this.attach(container, true);
  }

  private async bindWritableLayer(container: Docker.Container, disk: SandboxDisk): Promise<void> {
    const disks = this.options.disks!;
    // A disk of the earlier layout (the whole disk is /var/lib/docker) has no engine folder.
    if (!fs.existsSync(disk.engineDir)) return;
    const info = await container.inspect();
    const layer = writableLayerDir(info);
    if (!layer || !fs.existsSync(layer)) {
      warnOnce(`sandboxes' own files (outside /var/lib/docker) are not limited by their disks: the engine's storage (${info.GraphDriver?.Name ?? 'unknown'}) is not overlay2 in a folder this server can see`);
      return;
    }
    await disks.bindWritableLayer(disk, layer);
  }

  private async attach(container: Docker.Container, delegate: boolean): Promise<Sandbox> {
    const info = await container.inspect();
    const pid = info.State.Pid;
    if (!info.State.Running || !pid) throw new Error('the sandbox is not running');
    if (delegate) delegateCgroups(pid, this.options.userNamespaced ? remappedRoot() : { uid: 0, gid: 0 });
    const address = info.NetworkSettings.Networks[this.options.network]?.IPAddress;
    if (!address) throw new Error(`sandbox has no address on ${this.options.network}`);
    this.innerEngines.set(container.id, { pid, docker: innerEngineClient(pid) });
    return { id: container.id, address };
  }

  async restart(sandbox: Sandbox): Promise<Sandbox> {
    this.innerEngines.delete(sandbox.id);
    // The host engine may be the one restarting (it stops every sandbox): it answers
    // while it shuts down and fails starts until it is up again, so keep trying.
    const deadline = Date.now() + ENGINE_RETURN_TIMEOUT_MS;
    const container = this.docker.getContainer(sandbox.id);
    for (;;) {
      try {
        // Its engine's data (/var/lib/docker) and the workspace survive in the container.
        if ((await container.inspect()).State.Running) return await this.attach(container, true);
        return await this.startContainer(container, await this.diskOf(container));
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) throw new Error('the sandbox is gone');
        if (Date.now() > deadline) throw error;
        // Started while the engine was shutting down, the sandbox can leave a task behind
        // in containerd that blocks every later start: clear it.
        if (/task .* already exists/.test((error as Error).message) && this.options.engineExecRoot) await clearStaleTask(this.options.engineExecRoot, sandbox.id);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async adopt(id: string): Promise<Sandbox | undefined> {
    try {
      return await this.attach(this.docker.getContainer(id), false);
    } catch {
      return undefined;
    }
  }

  watchStops(onStop: (sandboxId: string) => void, onReconnect?: () => void): () => void {
    return watchSandboxStops(this.docker, { [SANDBOX_LABEL]: 'true', [INSTANCE_LABEL]: this.options.instance }, onStop, onReconnect);
  }

  async waitUntilReady(sandbox: Sandbox): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 30_000);
    const inner = this.innerEngine(sandbox);
    while (Date.now() < deadline) {
      try {
        await inner.ping();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const log = await this.exec(sandbox, ['tail', '-n', '5', '/var/log/dockerd.log'], 5000).catch(() => undefined);
    throw new Error(`the sandbox's Docker engine did not start: ${log?.output.trim() || 'no log'}`);
  }

  async openTerminal(sandbox: Sandbox, command: string[], cols: number, rows: number): Promise<TerminalStream> {
    const exec = await this.docker.getContainer(sandbox.id).exec({
      Cmd: command,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      Env: ['TERM=xterm-256color', `COLUMNS=${cols}`, `LINES=${rows}`],
    });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: true } as Docker.ExecStartOptions)) as unknown as TerminalStream['stream'];
    const resize = async (newCols: number, newRows: number) => {
      await exec.resize({ w: newCols, h: newRows }).catch(() => undefined);
    };
    await resize(cols, rows);
    return { stream, resize };
  }

  async exec(sandbox: Sandbox, command: string[], timeoutMs = 30_000, input?: Buffer): Promise<ExecResult> {
    const exec = await this.docker.getContainer(sandbox.id).exec({
      Cmd: command,
      AttachStdin: Boolean(input),
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: Boolean(input) });
    if (input) stream.end(input); // half-close: the command sees end of input
    const sink = new PassThrough();
    let output = '';
    sink.on('data', (chunk: Buffer) => {
      if (output.length < 1_000_000) output += chunk.toString();
    });
    this.docker.modem.demuxStream(stream, sink, sink);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`command timed out after ${timeoutMs} ms: ${command.join(' ')}`));
      }, timeoutMs);
      stream.on('end', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const { ExitCode } = await exec.inspect();
    return { exitCode: ExitCode ?? -1, output };
  }

  async inspect(sandbox: Sandbox): Promise<SandboxState> {
    try {
      const info = await this.docker.getContainer(sandbox.id).inspect();
      if (!info.State.Running) return { running: false, innerEngineUp: false };
      const innerEngineUp = await this.innerEngine(sandbox).ping().then(() => true, () => false);
      return { running: true, innerEngineUp };
    } catch (error) {
      const unreachable = (error as { statusCode?: number }).statusCode === undefined;
      return { running: false, innerEngineUp: false, unreachable };
    }
  }

  async remove(sandbox: Sandbox, diskId?: string): Promise<void> {
    this.innerEngines.delete(sandbox.id);
    const container = this.docker.getContainer(sandbox.id);
    const info = await container.inspect().catch(() => undefined);
    // A sandbox of an earlier run (adopted) names its disk in its labels.
    diskId ??= this.diskIds.get(sandbox.id) ?? info?.Config.Labels?.[DISK_LABEL];
    await container.remove({ force: true, v: true }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
    // The engine unmounts the writable layer's bind as it removes the container; should
    // it not have, the disk could never be let go.
    const layer = info && writableLayerDir(info);
    if (layer && isMounted(layer)) await run('umount', ['-l', layer], { quiet: true }).catch(() => undefined);
    await this.removeDisk(sandbox.id, diskId);
  }

  /** The disk a sandbox names in its labels, if disks are in use. */
  private async diskOf(container: Docker.Container): Promise<SandboxDisk | undefined> {
    const id = (await container.inspect()).Config.Labels?.[DISK_LABEL];
    return id && this.options.disks?.enabled ? this.options.disks.paths(id) : undefined;
  }

  capacityProblem(): string | undefined {
    return this.options.disks?.noRoomReason();
  }

  /** Once its sandbox is gone: unmounts the disk, detaches its loop device, deletes its image. */
  private async removeDisk(sandboxId: string, diskId: string | undefined): Promise<void> {
    this.diskIds.delete(sandboxId);
    if (diskId && this.options.disks) await this.options.disks.remove(diskId);
  }

  innerEngine(sandbox: Sandbox): Docker {
    const known = this.innerEngines.get(sandbox.id);
    if (!known) throw new Error(`unknown sandbox ${sandbox.id}`);
    return known.docker;
  }

  watchActivity(sandbox: Sandbox, onChange: (source: ActivitySource) => void): () => void {
    return watchSandboxActivity(this.docker, sandbox.id, () => this.innerEngine(sandbox), onChange);
  }

  async removeLeftovers(keep: Set<string> = new Set()): Promise<number> {
    const labelled = await this.docker.listContainers({
      all: true,
      filters: { label: [SANDBOX_LABEL, `${INSTANCE_LABEL}=${this.options.instance}`] },
    });
    const leftovers = labelled.filter((container) => container.Labels[GENERATION_LABEL] !== this.generation && !keep.has(container.Id));
    await Promise.all(leftovers.map((leftover) => this.remove({ id: leftover.Id, address: '' }, leftover.Labels[DISK_LABEL])));
    // Disks no remaining sandbox names (a crash between a disk and its sandbox, a
    // sandbox removed behind the server's back) go too; this process's own are kept,
    // another server's only once they are too old to be waiting for their sandbox.
    const everySandbox = await this.docker.listContainers({ all: true, filters: { label: [SANDBOX_LABEL] } });
    const claimed = new Set(everySandbox.map((container) => container.Labels[DISK_LABEL]).filter((id): id is string => Boolean(id)));
    const orphans = (await this.options.disks?.removeUnclaimed(claimed, ORPHAN_DISK_AGE_MS)) ?? 0;
    if (orphans > 0) console.log(`removed ${orphans} sandbox disk(s) that belonged to no sandbox`);
    if (this.options.engineExecRoot) {
      const listIds = async () => new Set((await this.docker.listContainers({ all: true })).map((container) => container.Id));
      const tasks = await clearOrphanTasks(this.options.engineExecRoot, listIds).catch(() => 0);
      if (tasks > 0) console.log(`cleared ${tasks} task(s) the engine left behind with no container`);
    }
    return leftovers.length;
  }
}
