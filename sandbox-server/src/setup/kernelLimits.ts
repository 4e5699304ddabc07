// Per-user kernel quotas that every sandbox shares: with --userns-remap, root in every
// sandbox is the same host uid, so the kernel counts all sandboxes as one user. runc
// creates a session keyring for each sandbox and for each exec (the checks run many),
// and the keys linger until the kernel's key collector runs; the default quota (200
// keys) ran out at about 90 sandboxes ("unable to create session key: disk quota
// exceeded"). Inner engines use inotify instances, 128 by default for that one user.
// Raised here, never lowered. Learners cannot spend keys themselves (keyctl answers
// ENOSYS in a sandbox).
import fs from 'node:fs';

export const KERNEL_LIMITS: Record<string, number> = {
  '/proc/sys/kernel/keys/maxkeys': 20_000,
  '/proc/sys/kernel/keys/maxbytes': 25_000_000,
  '/proc/sys/fs/inotify/max_user_instances': 8192,
  '/proc/sys/fs/inotify/max_user_watches': 524_288,
};

/** Raises each limit that is below Drydock's need; returns what it changed. */
export function raiseKernelLimits(limits = KERNEL_LIMITS): string[] {
  const changed: string[] = [];
  for (const [file, wanted] of Object.entries(limits)) {
    try {
      const current = Number(fs.readFileSync(file, 'utf8').trim());
      if (current >= wanted) continue;
      fs.writeFileSync(file, String(wanted));
      changed.push(`${file.replace('/proc/sys/', '').replace(/\//g, '.')} ${current} → ${wanted}`);
    } catch (error) {
      throw new Error(`cannot raise ${file} to ${wanted} (${(error as Error).message}); sandboxes would run out of it with many learners`);
    }
  }
  return changed;
}
