// How much of the host's disk sandboxes may take. A sandbox's disk is a sparse image: it
// takes host space only as the sandbox writes, up to its size. So the host stays safe by
// admission: a new disk is made only if the free space can hold what every existing disk
// may still grow by, the new disk filled to its size, and a reserve left for the host.
import fs from 'node:fs';

export interface DiskUse {
  /** The image's size: what the sandbox may fill. */
  sizeBytes: number;
  /** What the host has given to it so far. */
  allocatedBytes: number;
}

/** Sizes chosen when DRYDOCK_SANDBOX_DISK_MB is unset: enough for the capstones. */
export const AUTO_DISK_MIN_MB = 2048;
export const AUTO_DISK_MAX_MB = 10240;

const GIB = 1024 ** 3;
export const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`;

export function hostFreeBytes(directory: string): number {
  const stats = fs.statfsSync(directory);
  return stats.bavail * stats.bsize;
}

export function diskUse(image: string): DiskUse | undefined {
  try {
    const stats = fs.statSync(image);
    return { sizeBytes: stats.size, allocatedBytes: stats.blocks * 512 };
  } catch {
    return undefined; // removed meanwhile
  }
}

/** What the disks may still take from the host, filled to their sizes. */
export function growthBytes(disks: DiskUse[]): number {
  return disks.reduce((sum, disk) => sum + Math.max(0, disk.sizeBytes - disk.allocatedBytes), 0);
}

/** Why one more disk of this size would put the host's disk at risk, or undefined. */
export function noRoomReason(budget: { freeBytes: number; disks: DiskUse[]; newDiskBytes: number; reserveBytes: number }): string | undefined {
  const growth = growthBytes(budget.disks);
  const needed = growth + budget.newDiskBytes + budget.reserveBytes;
  if (budget.freeBytes >= needed) return undefined;
  return (
    `the server's disk has no room for another sandbox: ${budget.disks.length} sandbox disk(s) may still grow by ${gib(growth)}, ` +
    `a new one takes up to ${gib(budget.newDiskBytes)} and ${gib(budget.reserveBytes)} stay free for the host, but only ${gib(budget.freeBytes)} are free. ` +
    'Try again when other sessions have ended.'
  );
}

/** A disk size (MiB, a multiple of 256) that lets every slot fill its disk, within the bounds. */
export function autoDiskMb(budget: { freeBytes: number; disks: DiskUse[]; reserveBytes: number; sandboxes: number }): number {
  const spare = budget.freeBytes - growthBytes(budget.disks) - budget.reserveBytes;
  const each = Math.floor(spare / Math.max(1, budget.sandboxes) / (256 * 1024 * 1024)) * 256;
  return Math.min(AUTO_DISK_MAX_MB, Math.max(AUTO_DISK_MIN_MB, each));
}

/** How many more disks of this size fit now. */
export function disksThatFit(budget: { freeBytes: number; disks: DiskUse[]; reserveBytes: number; diskBytes: number }): number {
  const spare = budget.freeBytes - growthBytes(budget.disks) - budget.reserveBytes;
  return Math.max(0, Math.floor(spare / budget.diskBytes));
}
