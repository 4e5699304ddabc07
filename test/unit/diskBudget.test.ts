import { describe, expect, it } from 'vitest';
import { AUTO_DISK_MAX_MB, AUTO_DISK_MIN_MB, autoDiskMb, disksThatFit, growthBytes, noRoomReason } from '../../sandbox-server/src/engine/diskBudget.js';

const GiB = 1024 ** 3;

describe('the disk budget', () => {
  it('counts what each disk may still grow by, never less than nothing', () => {
    expect(growthBytes([{ sizeBytes: 10 * GiB, allocatedBytes: 3 * GiB }, { sizeBytes: 2 * GiB, allocatedBytes: 2.5 * GiB }])).toBe(7 * GiB);
  });

  it('admits a disk only if every disk filled, the new one and the reserve fit the free space', () => {
    const disks = [{ sizeBytes: 10 * GiB, allocatedBytes: 4 * GiB }]; // may grow by 6
    expect(noRoomReason({ freeBytes: 20 * GiB, disks, newDiskBytes: 10 * GiB, reserveBytes: 4 * GiB })).toBeUndefined(); // 6 + 10 + 4 = 20
    const refused = noRoomReason({ freeBytes: 20 * GiB - 1, disks, newDiskBytes: 10 * GiB, reserveBytes: 4 * GiB });
    expect(refused).toMatch(/no room for another sandbox: 1 sandbox disk\(s\) may still grow by 6\.0 GiB, a new one takes up to 10\.0 GiB and 4\.0 GiB stay free for the host, but only 20\.0 GiB are free/);
  });

  it('sizes disks so that every slot fits, within bounds, in steps of 256 MiB', () => {
    expect(autoDiskMb({ freeBytes: 74 * GiB, disks: [], reserveBytes: 4 * GiB, sandboxes: 32 })).toBe(2048); // 70/32 = 2.19 GiB, down to a multiple of 256 MiB
    expect(autoDiskMb({ freeBytes: 74 * GiB, disks: [], reserveBytes: 4 * GiB, sandboxes: 20 })).toBe(3584); // 3.5 GiB
    expect(autoDiskMb({ freeBytes: 500 * GiB, disks: [], reserveBytes: 4 * GiB, sandboxes: 5 })).toBe(AUTO_DISK_MAX_MB);
    expect(autoDiskMb({ freeBytes: 10 * GiB, disks: [], reserveBytes: 4 * GiB, sandboxes: 30 })).toBe(AUTO_DISK_MIN_MB);
    expect(autoDiskMb({ freeBytes: 74 * GiB, disks: [{ sizeBytes: 40 * GiB, allocatedBytes: 0 }], reserveBytes: 4 * GiB, sandboxes: 10 })).toBe(3072); // 30/10
  });

  it('says how many more disks fit', () => {
    expect(disksThatFit({ freeBytes: 74 * GiB, disks: [], reserveBytes: 4 * GiB, diskBytes: 2 * GiB })).toBe(35);
    expect(disksThatFit({ freeBytes: 3 * GiB, disks: [], reserveBytes: 4 * GiB, diskBytes: 2 * GiB })).toBe(0);
  });
});
