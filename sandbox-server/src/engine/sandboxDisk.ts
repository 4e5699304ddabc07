// A disk of fixed size per sandbox. overlay2 on ext4 has no quota, so a learner could
// fill the host's disk through their inner engine (images, containers, volumes, build
// cache) or by writing anywhere in the sandbox (/root, /workspace, /tmp). Each sandbox
// instead writes only to its own ext4 filesystem in a sparse image file under the data
// directory, loop-mounted on the host: its engine's data (/var/lib/docker) is a bind of
// the disk's engine/ folder, and its container's writable layer (the overlay's upper and
// work folders, where every other write lands) is the disk's layer/ folder, bound over
// the folder the host engine keeps it in. A write past its size fails with ENOSPC inside
// that sandbox only; the host gives at most the image's size to it, and diskBudget.ts
// admits a new disk only if every disk filled to its size still fits.
//
// Layout: <dataDir>/sandbox-disks/<instance>-<id>.img, mounted on <instance>-<id>/ beside
// it; engine/ belongs to the sandbox's (remapped) root. Measured
// here: making a 10 GiB disk (truncate, mkfs.ext4, losetup, mount) takes 20–80 ms
// depending on the machine's load, 4 MiB of the image written: fast enough to make one
// per sandbox as it starts, no pool of formatted images needed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../setup/run.js';
import { autoDiskMb, disksThatFit, diskUse, gib, hostFreeBytes, noRoomReason } from './diskBudget.js';

export interface SandboxDisk {
  id: string;
  image: string;
  mountPoint: string;
  /** Bound on the sandbox's /var/lib/docker. */
  engineDir: string;
  /** Bound over the host engine's folder of the sandbox's writable layer. */
  layerDir: string;
}

/** A disk refused because the host could not hold it filled (diskBudget.ts). */
export class NoDiskRoomError extends Error {}

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
    /** Owner of each disk's engine folder: the remapped root of the sandboxes. */
    private readonly owner: { uid: number; gid: number },
    /** Host disk space no disk may take (diskBudget.ts). */
    private readonly reserveBytes = 0,
  ) {}

  get enabled(): boolean {
    return this.sizeBytes > 0;
  }

  paths(id: string, prefix = this.prefix): SandboxDisk {
    if (!/^[a-f0-9]{16}$/.test(id)) throw new Error(`not a sandbox disk id: ${id}`);
    const name = `${prefix}-${id}`;
    const mountPoint = path.join(this.directory, name);
    return { id, image: path.join(this.directory, `${name}.img`), mountPoint, engineDir: path.join(mountPoint, 'engine'), layerDir: path.join(mountPoint, 'layer') };
  }

  /** Why another disk cannot be made now (the host could not hold it filled), or undefined. */
  noRoomReason(): string | undefined {
    if (!this.enabled) return undefined;
    const disks = listDisks(this.directory).flatMap((disk) => diskUse(this.paths(disk.id, disk.prefix).image) ?? []);
    return noRoomReason({ freeBytes: hostFreeBytes(this.directory), disks, newDiskBytes: this.sizeBytes, reserveBytes: this.reserveBytes });
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
    fs.mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    // Checked and made in one go (no await between): two creations cannot both take the last room.
    const noRoom = this.noRoomReason();
    if (noRoom) throw new NoDiskRoomError(noRoom);
    const disk = this.paths(crypto.randomBytes(8).toString('hex'));
    this.live.add(disk.id);
    try {
      // The host's root owns the mount point and the engine folder under it, the bind's
      // source until the disk is mounted over them: were the disk ever not mounted, a
      // sandbox bound there could write nothing (never the host's disk unbounded).
      fs.mkdirSync(disk.mountPoint, { mode: 0o700 });
      fs.mkdirSync(disk.engineDir, { mode: 0o700 });
      // Sparse: the host gives it blocks only as the sandbox writes.
      fs.closeSync(fs.openSync(disk.image, 'wx', 0o600));
      fs.truncateSync(disk.image, this.sizeBytes);
      return disk;
    } catch (error) {
      void this.remove(disk.id).catch(() => undefined);
      throw new Error(`could not make the sandbox's disk: ${(error as Error).message}`);
    }
  }

  /** What a new disk holds: the root (the host's root's alone) and the sandbox root's engine folder. */
  private template(): string {
    const template = path.join(this.directory, `.template-${this.owner.uid}`);
    const engine = path.join(template, 'engine');
    if (!fs.existsSync(engine)) {
      fs.mkdirSync(engine, { recursive: true, mode: 0o755 });
      fs.chmodSync(template, 0o700);
      fs.chownSync(engine, this.owner.uid, this.owner.gid);
    }
    return template;
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
        '-E', 'lazy_itable_init=1,lazy_journal_init=1',
        '-L', 'drydock-sandbox',
        // Made with its engine folder: the engine may check the bind's source at any moment
        // (the container is being created meanwhile), so it must exist as soon as mounted.
        '-d', this.template(),
        disk.image,
      ], { quiet: true });
      await mountLoop(disk);
      fs.rmdirSync(path.join(disk.mountPoint, 'lost+found'));
    } catch (error) {
      await this.remove(disk.id).catch(() => undefined);
      throw new Error(`could not make the sandbox's disk: ${(error as Error).message}`);
    }
  }

  /**
   * Puts the sandbox container's writable layer on the disk: the host engine's folder of
   * that layer (overlay2: diff/, work/ and their siblings, which must share one mount) is
   * copied to the disk once, then the disk's copy is bound over it. Done before each start:
   * the engine unmounts what lies under its storage when it shuts down. The engine removes
   * the bind itself when it removes the container.
   */
  async bindWritableLayer(disk: SandboxDisk, engineLayerDir: string): Promise<void> {
    if (isMounted(engineLayerDir)) return;
    if (!fs.existsSync(disk.layerDir)) {
      const copying = `${disk.layerDir}.copying`;
      fs.rmSync(copying, { recursive: true, force: true });
      await run('cp', ['-a', engineLayerDir, copying], { quiet: true });
      fs.renameSync(copying, disk.layerDir);
    }
    await run('mount', ['--bind', disk.layerDir, engineLayerDir], { quiet: true });
  }

  /** Unmounts, detaches the loop device and deletes the image; a disk already gone is fine. */
  async remove(id: string, prefix = this.prefix): Promise<void> {
    const disk = this.paths(id, prefix);
    try {
      await unmount(disk.mountPoint);
      await detachLoops(disk.image);
      // Not in the event loop: freeing the blocks of a filled image can take a while.
      await fs.promises.rm(disk.image, { force: true });
      if (fs.existsSync(disk.mountPoint) && !isMounted(disk.mountPoint)) {
        if (fs.existsSync(disk.engineDir)) fs.rmdirSync(disk.engineDir);
        fs.rmdirSync(disk.mountPoint);
      }
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
 * Sandbox disks for this server (disabled, with a warning printed, when they cannot be
 * made here: sandboxes then fall back to a volume of the engine, with no disk limit).
 * Unset, the size is chosen so that every session and warm sandbox fits the free space.
 */
export async function prepareSandboxDisks(
  settings: { dataDir: string; instance: string; sandboxDiskMb: number | undefined; hostDiskReserveMb: number; maxSessions: number; warmPoolSize: number },
  owner: { uid: number; gid: number },
  warn: (message: string) => void = (message) => console.warn(`WARNING: ${message}`),
  note: (message: string) => void = console.log,
): Promise<SandboxDisks> {
  const directory = sandboxDiskDirectory(settings.dataDir);
  const prefix = sandboxDiskPrefix(settings.instance);
  const disabled = new SandboxDisks(directory, prefix, 0, owner); // still removes disks left by an earlier run
  if (settings.sandboxDiskMb === 0) return disabled;
  if (settings.sandboxDiskMb !== undefined && settings.sandboxDiskMb < MIN_SANDBOX_DISK_MB) {
    throw new Error(`DRYDOCK_SANDBOX_DISK_MB is ${settings.sandboxDiskMb}: give at least ${MIN_SANDBOX_DISK_MB}, or 0 for no disk limit`);
  }
  const unavailable = loopMountsUnavailable();
  if (unavailable) {
    warn(`sandbox disks are not limited: ${unavailable}. Sandboxes keep their engine's data on a volume that can grow until the host's disk is full. Run as root on a host with loop devices (modprobe loop), or set DRYDOCK_SANDBOX_DISK_MB=0 to silence this.`);
    return disabled;
  }
  fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
  const reserveBytes = settings.hostDiskReserveMb * 1024 * 1024;
  const budget = { freeBytes: hostFreeBytes(directory), disks: listDisks(directory).flatMap((disk) => diskUse(disabled.paths(disk.id, disk.prefix).image) ?? []), reserveBytes };
  const sandboxes = settings.maxSessions + settings.warmPoolSize;
  const sizeMb = Math.floor(settings.sandboxDiskMb ?? autoDiskMb({ ...budget, sandboxes }));
  const disks = new SandboxDisks(directory, prefix, sizeMb * 1024 * 1024, owner, reserveBytes);
  try {
    // One real disk proves it works here before any learner depends on it (never refused
    // for room: it lives for a moment).
    const probe = new SandboxDisks(directory, prefix, MIN_SANDBOX_DISK_MB * 1024 * 1024, owner, -Infinity);
    await probe.remove((await probe.create()).id);
  } catch (error) {
    warn(`sandbox disks are not limited: a loop-mounted disk could not be made here (${(error as Error).message}). Sandboxes keep their engine's data on a volume that can grow until the host's disk is full. Allow loop devices (in a container: --device for them and CAP_SYS_ADMIN), or set DRYDOCK_SANDBOX_DISK_MB=0 to silence this.`);
    return disabled;
  }
  const fit = disksThatFit({ ...budget, diskBytes: disks.sizeBytes });
  const summary = `sandbox disks of ${gib(disks.sizeBytes)}${settings.sandboxDiskMb === undefined ? ' (sized from the free space; DRYDOCK_SANDBOX_DISK_MB sets it)' : ''}: ${fit} fit in the ${gib(budget.freeBytes)} free beside the others and the ${gib(reserveBytes)} kept for the host`;
  // Once per process for the same figures (tests start many servers).
  const key = `${directory} ${sizeMb} ${sandboxes} ${fit >= sandboxes}`;
  if (!reported.has(key)) {
    reported.add(key);
    if (fit >= sandboxes) note(summary);
    else warn(`${summary}, fewer than the ${sandboxes} sandboxes allowed (DRYDOCK_MAX_SESSIONS + DRYDOCK_WARM_POOL): past ${fit}, new sessions are refused until others end. Lower DRYDOCK_SANDBOX_DISK_MB or give the data directory more room.`);
  }
  return disks;
}

const reported = new Set<string>();

function loopMountsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'only root can mount loop devices';
  if (!fs.existsSync('/dev/loop-control')) return 'this host has no /dev/loop-control (loop mounts are disallowed or the loop module is not loaded)';
  return undefined;
}
