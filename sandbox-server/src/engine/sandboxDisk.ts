// A disk of fixed size per sandbox. overlay2 on ext4 has no quota, so a learner could
// fill the host's disk through their inner engine (images, containers, volumes, build
// cache). Each sandbox's /var/lib/docker is instead its own ext4 filesystem in a sparse
// image file under the data directory, loop-mounted on the host and bind-mounted into
// the sandbox: a write past its size fails with ENOSPC inside that sandbox only, and the
// host gives at most the image's size to it.
//
// Layout: <dataDir>/sandbox-disks/<instance>-<id>.img, mounted on <instance>-<id>/ beside
// it; the root of each filesystem belongs to the sandbox's (remapped) root. Measured
// here: making a 10 GiB disk (truncate, mkfs.ext4, losetup, mount) takes 20–80 ms
// depending on the machine's load, 4 MiB of the image written: fast enough to make one
// per sandbox as it starts, no pool of formatted images needed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../setup/run.js';

export interface SandboxDisk {
  id: string;
  image: string;
  mountPoint: string;
}

/** Where every server's sandbox disks live. */
export function sandboxDiskDirectory(dataDir: string): string {
  return path.join(dataDir, 'sandbox-disks');
}

/** Names the disks of one server instance: servers sharing a data directory never touch each other's. */
export function sandboxDiskPrefix(instance: string): string {
  return instance.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** A disk's file name: <prefix>-<16 hex digits>, with .img for the image. */
const DISK_NAME = /^(.*)-([a-f0-9]{16})(\.img)?$/;

/** The smallest disk an inner engine can work in (its own files, one small image). */
export const MIN_SANDBOX_DISK_MB = 256;

export class SandboxDisks {
  /** Disks this process made and has not removed: never swept as leftovers. */
  private readonly live = new Set<string>();

  constructor(
    /** sandboxDiskDirectory(dataDir) */
    readonly directory: string,
    /** sandboxDiskPrefix(instance) */
    readonly prefix: string,
    /** 0: sandboxes get no disk of their own (the engine's volume instead). */
    readonly sizeBytes: number,
    /** Owner of each disk's root: the remapped root of the sandboxes. */
    private readonly owner: { uid: number; gid: number },
  ) {}

  get enabled(): boolean {
    return this.sizeBytes > 0;
  }

  paths(id: string, prefix = this.prefix): SandboxDisk {
    if (!/^[a-f0-9]{16}$/.test(id)) throw new Error(`not a sandbox disk id: ${id}`);
    const name = `${prefix}-${id}`;
    return { id, image: path.join(this.directory, `${name}.img`), mountPoint: path.join(this.directory, name) };
  }

  /** A new formatted, mounted disk. */
  async create(): Promise<SandboxDisk> {
    const disk = this.reserve();
    await this.format(disk);
    return disk;
  }

  /** A new disk's mount point and empty sparse image, at once: its sandbox can be
   * created (the bind's source exists) while format() makes the filesystem. */
  reserve(): SandboxDisk {
    const disk = this.paths(crypto.randomBytes(8).toString('hex'));
    this.live.add(disk.id);
    try {
      fs.mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      // The host's root owns the mount point itself: were the disk ever not mounted on it,
      // a sandbox bound to it could write nothing there (never the host's disk unbounded).
      fs.mkdirSync(disk.mountPoint, { mode: 0o700 });
      // Sparse: the host gives it blocks only as the sandbox writes.
      fs.closeSync(fs.openSync(disk.image, 'wx', 0o600));
      fs.truncateSync(disk.image, this.sizeBytes);
      return disk;
    } catch (error) {
      void this.remove(disk.id).catch(() => undefined);
      throw new Error(`could not make the sandbox's disk: ${(error as Error).message}`);
    }
  }

  /** Makes the reserved disk's filesystem and mounts it; removes the disk if that fails. */
  async format(disk: SandboxDisk): Promise<void> {
    try {
      await run('mkfs.ext4', [
        '-q',
        '-F',
        // No blocks reserved for uid 0: root in a sandbox is not uid 0 on the host and
        // could never use them.
        '-m', '0',
        // Lazy, and nothing to zero anyway: mkfs discards (punches) the whole fresh file
        // first, so the inode tables count as zeroed and no background init writes them.
        '-E', `lazy_itable_init=1,lazy_journal_init=1,root_owner=${this.owner.uid}:${this.owner.gid}`,
        '-L', 'drydock-sandbox',
        disk.image,
      ], { quiet: true });
      await mountLoop(disk);
      // Owned by the host's root, it would only puzzle a learner looking around.
      fs.rmdirSync(path.join(disk.mountPoint, 'lost+found'));
    } catch (error) {
      await this.remove(disk.id).catch(() => undefined);
      throw new Error(`could not make the sandbox's disk: ${(error as Error).message}`);
    }
  }

  /** Unmounts, detaches the loop device and deletes the image; a disk already gone is fine. */
  async remove(id: string, prefix = this.prefix): Promise<void> {
    const disk = this.paths(id, prefix);
    try {
      await unmount(disk.mountPoint);
      await detachLoops(disk.image);
      // Not in the event loop: freeing the blocks of a filled image can take a while.
      await fs.promises.rm(disk.image, { force: true });
      if (fs.existsSync(disk.mountPoint) && !isMounted(disk.mountPoint)) fs.rmdirSync(disk.mountPoint);
    } finally {
      if (prefix === this.prefix) this.live.delete(id);
    }
  }

  /**
   * Removes the disks no sandbox claims (a crash between making a disk and its sandbox,
   * a sandbox removed behind the server's back): this instance's at once, unless this
   * process made them; another instance's once older than `othersAfterMs` (a disk lives
   * without its sandbox only for the moment before the sandbox is made). `claimed`: the
   * disk ids of every sandbox on the engine. Returns how many went.
   */
  async removeUnclaimed(claimed: Set<string>, othersAfterMs = Infinity): Promise<number> {
    const now = Date.now();
    const unclaimed = listDisks(this.directory).filter((disk) => {
      if (claimed.has(disk.id)) return false;
      if (disk.prefix === this.prefix) return !this.live.has(disk.id);
      return now - createdAtMs(this.paths(disk.id, disk.prefix)) > othersAfterMs;
    });
    await Promise.all(unclaimed.map((disk) => this.remove(disk.id, disk.prefix)));
    return unclaimed.length;
  }
}

function createdAtMs(disk: SandboxDisk): number {
  for (const file of [disk.image, disk.mountPoint]) {
    try {
      const stats = fs.statSync(file);
      return stats.birthtimeMs || stats.ctimeMs;
    } catch {
      // try the other
    }
  }
  return 0;
}

/** Removes every disk of the instances that are gone (e.g. test servers of a killed
 * process, whose sandboxes were removed without them). */
export async function removeDisksOfInstances(dataDir: string, gone: (instance: string) => boolean): Promise<number> {
  const directory = sandboxDiskDirectory(dataDir);
  const prefixes = new Set(listDisks(directory).map((disk) => disk.prefix).filter(gone));
  const counts = await Promise.all([...prefixes].map((prefix) => new SandboxDisks(directory, prefix, 0, { uid: 0, gid: 0 }).removeUnclaimed(new Set())));
  return counts.reduce((sum, count) => sum + count, 0);
}

function listDisks(directory: string): { prefix: string; id: string }[] {
  if (!fs.existsSync(directory)) return [];
  const found = new Map<string, { prefix: string; id: string }>();
  for (const name of fs.readdirSync(directory)) {
    const match = DISK_NAME.exec(name);
    if (match) found.set(`${match[1]}-${match[2]}`, { prefix: match[1], id: match[2] });
  }
  return [...found.values()];
}

async function mountLoop(disk: SandboxDisk): Promise<void> {
  // Direct I/O: the image's blocks are not cached a second time on the host, beside the
  // sandbox's own filesystem cache (and builds, which sync often, ran faster so here).
  // discard: files deleted in the sandbox give their blocks back to the host.
  // Loop devices are taken in parallel by several creations; retry a lost race.
  for (let attempt = 1; ; attempt++) {
    try {
      const device = (await run('losetup', ['--find', '--show', '--direct-io=on', disk.image], { quiet: true })).trim().split('\n').pop()!;
      await run('mount', ['-t', 'ext4', '-o', 'discard', device, disk.mountPoint], { quiet: true }).catch(async (error) => {
        await run('losetup', ['-d', device], { quiet: true }).catch(() => undefined);
        throw error;
      });
      return;
    } catch (error) {
      if (attempt >= 3 || isMounted(disk.mountPoint)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

async function unmount(mountPoint: string): Promise<void> {
  for (let attempt = 1; isMounted(mountPoint); attempt++) {
    try {
      await run('umount', [mountPoint], { quiet: true });
    } catch (error) {
      // Still busy (a process of the removed sandbox not yet gone): wait a little, then
      // detach it lazily; the loop device goes with the last user.
      if (attempt < 10) await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      else await run('umount', ['-l', mountPoint], { quiet: true });
    }
  }
}

/** Detaches the loop devices backed by the image; one still in use somewhere (a
 * sandbox's processes not yet gone) is marked to detach itself when let go. */
async function detachLoops(image: string): Promise<void> {
  for (const device of await loopDevicesOf(image)) await run('losetup', ['-d', device], { quiet: true }).catch(() => undefined);
}

/** The loop devices backed by this image file (also once the file is deleted). */
export async function loopDevicesOf(image: string): Promise<string[]> {
  const listed = await run('losetup', ['--list', '--noheadings', '--raw', '--output', 'NAME,BACK-FILE'], { quiet: true }).catch(() => '');
  const devices: string[] = [];
  for (const line of listed.split('\n')) {
    // Raw output: one space between fields, \xNN for a byte inside one.
    const [device, raw = ''] = line.trim().split(' ');
    const backing = raw.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/ \(deleted\)$/, '');
    if (device && backing === image) devices.push(device);
  }
  return devices;
}

/** Whether something is mounted exactly at this path (in this mount namespace). */
export function isMounted(mountPoint: string): boolean {
  const wanted = path.resolve(mountPoint);
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const field = line.split(' ')[4];
    if (field && field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))) === wanted) return true;
  }
  return false;
}

/**
 * Sandbox disks for this server, or undefined (with a warning printed) when they cannot
 * be made here and sandboxes fall back to a volume of the engine, with no disk limit.
 */
export async function prepareSandboxDisks(
  settings: { dataDir: string; instance: string; sandboxDiskMb: number; maxSessions: number; warmPoolSize: number },
  owner: { uid: number; gid: number },
  warn: (message: string) => void = (message) => console.warn(`WARNING: ${message}`),
): Promise<SandboxDisks> {
  const directory = sandboxDiskDirectory(settings.dataDir);
  const prefix = sandboxDiskPrefix(settings.instance);
  const disabled = new SandboxDisks(directory, prefix, 0, owner); // still removes disks left by an earlier run
  if (settings.sandboxDiskMb === 0) return disabled;
  if (settings.sandboxDiskMb < MIN_SANDBOX_DISK_MB) {
    throw new Error(`DRYDOCK_SANDBOX_DISK_MB is ${settings.sandboxDiskMb}: give at least ${MIN_SANDBOX_DISK_MB}, or 0 for no disk limit`);
  }
  const disks = new SandboxDisks(directory, prefix, Math.floor(settings.sandboxDiskMb) * 1024 * 1024, owner);
  const unavailable = loopMountsUnavailable();
  if (unavailable) {
    warn(`sandbox disks are not limited: ${unavailable}. Sandboxes keep their engine's data on a volume that can grow until the host's disk is full. Run as root on a host with loop devices (modprobe loop), or set DRYDOCK_SANDBOX_DISK_MB=0 to silence this.`);
    return disabled;
  }
  try {
    // One real disk proves it works here before any learner depends on it.
    const probe = new SandboxDisks(directory, prefix, MIN_SANDBOX_DISK_MB * 1024 * 1024, owner);
    await probe.remove((await probe.create()).id);
  } catch (error) {
    warn(`sandbox disks are not limited: a loop-mounted disk could not be made here (${(error as Error).message}). Sandboxes keep their engine's data on a volume that can grow until the host's disk is full. Allow loop devices (in a container: --device for them and CAP_SYS_ADMIN), or set DRYDOCK_SANDBOX_DISK_MB=0 to silence this.`);
    return disabled;
  }
  warnIfOvercommitted(settings, warn);
  return disks;
}

function loopMountsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'only root can mount loop devices';
  if (!fs.existsSync('/dev/loop-control')) return 'this host has no /dev/loop-control (loop mounts are disallowed or the loop module is not loaded)';
  return undefined;
}

const warned = new Set<string>();

/** Sparse images take host space only as they fill: say so when all of them full would not fit. */
function warnIfOvercommitted(
  settings: { dataDir: string; sandboxDiskMb: number; maxSessions: number; warmPoolSize: number },
  warn: (message: string) => void,
): void {
  const sandboxes = settings.maxSessions + settings.warmPoolSize;
  const worstBytes = settings.sandboxDiskMb * 1024 * 1024 * sandboxes;
  const stats = fs.statfsSync(settings.dataDir);
  const freeBytes = stats.bavail * stats.bsize;
  if (worstBytes <= freeBytes) return;
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  const message =
    `${sandboxes} sandboxes (DRYDOCK_MAX_SESSIONS + DRYDOCK_WARM_POOL) with disks of ${settings.sandboxDiskMb} MiB (DRYDOCK_SANDBOX_DISK_MB) ` +
    `could fill ${gib(worstBytes)}, but ${settings.dataDir} has ${gib(freeBytes)} free: learners together could fill the host's disk. ` +
    'Lower one of those settings or give the data directory more room.';
  // Once per process for the same settings (tests start many servers).
  const key = `${settings.dataDir} ${sandboxes} ${settings.sandboxDiskMb}`;
  if (warned.has(key)) return;
  warned.add(key);
  warn(message);
}
