// Kernel limits are raised to what many sandboxes need, never lowered.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { raiseKernelLimits } from '../../sandbox-server/src/setup/kernelLimits.js';

describe('raiseKernelLimits', () => {
  it('raises a low limit, leaves a higher one, and names what it changed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-limits-'));
    const low = path.join(dir, 'maxkeys');
    const high = path.join(dir, 'max_user_instances');
    fs.writeFileSync(low, '200\n');
    fs.writeFileSync(high, '65536\n');
    const changed = raiseKernelLimits({ [low]: 20_000, [high]: 8192 });
    expect(fs.readFileSync(low, 'utf8')).toBe('20000');
    expect(fs.readFileSync(high, 'utf8')).toBe('65536\n');
    expect(changed).toEqual([expect.stringMatching(/maxkeys 200 → 20000$/)]);
    expect(() => raiseKernelLimits({ [path.join(dir, 'missing', 'file')]: 1 })).toThrow(/cannot raise/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
