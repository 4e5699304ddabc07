// After a restart (or a crash), the sessions written down by the earlier run are taken
// back when their sandbox still runs and they have not expired: same id, same token,
// same shell (tmux lives in the sandbox). The rest are forgotten.
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';
import type { SessionRecords } from '../store/sessionStore.js';
import type { Session, SessionLimits } from './sessionManager.js';

export async function restoreSessions(records: SessionRecords, backend: SandboxBackend, limits: SessionLimits, log: (message: string) => void): Promise<Session[]> {
  const restored: Session[] = [];
  const now = Date.now();
  for (const record of await records.all()) {
    const expired = now >= Math.min(record.createdAt + limits.maxLifetimeMs, record.lastActiveAt + limits.idleTimeoutMs);
    const sandbox = expired ? undefined : await backend.adopt(record.sandboxId);
    if (!sandbox) {
      if (!expired) log(`session ${record.id} lost: its sandbox is gone`);
      await records.remove(record.id);
      continue;
    }
    const ready = backend.waitUntilReady(sandbox).then(
      () => true,
      (error: Error) => {
        log(`session ${record.id} not reattached: ${error.message}`);
        return false;
      },
    );
    if (!(await ready)) {
      await records.remove(record.id);
      continue;
    }
    const settled: Promise<Sandbox> = Promise.resolve(sandbox);
    restored.push({
      id: record.id,
      tokenHash: record.tokenHash,
      learnerId: record.learnerId,
      lessonId: record.lessonId,
      state: 'ready',
      createdAt: record.createdAt,
      lastActiveAt: record.lastActiveAt,
      sandbox,
      openedAt: new Map(Object.entries(record.openedAt)),
      started: settled,
      ready: settled,
      restarts: 0,
    });
  }
  return restored;
}
