// Learner sessions: each owns one sandbox, a secret token, and an expiry
// (idle timeout and maximum lifetime). A learner's session belongs to one lesson: each
// lesson they open gets a sandbox of its own, up to a per-learner cap. The manager
// enforces the caps, hands out warm sandboxes first, and reaps what expired.
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';
import type { SessionRecords } from '../store/sessionStore.js';
import { hashToken, newSessionId, newToken, tokenHashMatches } from './tokens.js';
import { WarmPool } from './warmPool.js';
import { restoreSessions } from './sessionRestore.js';

export type SessionState = 'starting' | 'ready' | 'expired' | 'failed';

export interface Session {
  id: string;
  /** The secret itself only in the process that made the session (to hand it out once). */
  token?: string;
  tokenHash: string;
  state: SessionState;
  createdAt: number;
  lastActiveAt: number;
  sandbox?: Sandbox;
  error?: string;
  /** The learner whose progress this session's passed checks count for. */
  learnerId?: string;
  /** The lesson this sandbox is for (none for a session made through the API alone). */
  lessonId?: string;
  /** When each lesson ("lesson") and step ("lesson/step") was first opened here:
   * history checks count the commands typed since. */
  openedAt: Map<string, number>;
  /** Settles when the sandbox runs and its shell can be attached. */
  started: Promise<Sandbox>;
  /** Settles when the sandbox's Docker engine answers too (or rejects when it failed). */
  ready: Promise<Sandbox>;
  /** Times the sandbox was started again after it stopped on its own. */
  restarts: number;
}

export interface SessionLimits {
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  maxSessions: number;
  /** Sandboxes one learner may hold at once (one per open lesson). */
  maxPerLearner: number;
  warmPoolSize: number;
}

export class CapacityError extends Error {}

/** The learner must close one of their sandboxes first: they hold as many as one learner
 * may, or the server is full and these are theirs to give up. */
export class LearnerCapError extends Error {
  constructor(
    readonly held: Session[],
    serverFull = false,
  ) {
    super(
      serverFull
        ? `the server is full; you have ${held.length} other lesson sandbox${held.length === 1 ? '' : 'es'} running: close one of them to start this lesson's`
        : `you have ${held.length} lesson sandboxes running, the most one learner may have: close one of them to start this lesson's`,
    );
  }
}

/** How long an ended session still answers GET with its final state. */
const TOMBSTONE_MS = 60 * 60 * 1000;
/** A sandbox that stops on its own is started again this many times, then reported failed. */
const MAX_RESTARTS = 3;
/** Activity is written down at most this often (it only moves expiry). */
const PERSIST_ACTIVITY_MS = 30_000;
/** A safety net only: the engine's events, and a sweep as soon as their stream comes
 * back after the engine restarted, tell of stops at once. */
const SWEEP_MS = 15_000;

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly pool: WarmPool;
  private reaper?: NodeJS.Timeout;
  private sweeper?: NodeJS.Timeout;
  private stopWatching?: () => void;
  private readonly endListeners: ((session: Session, sandbox: Sandbox | undefined) => void)[] = [];
  private readonly interruptListeners: ((session: Session, reason: string) => void)[] = [];
  private readonly persistedActivity = new Map<string, number>();
  /** Sessions found lost (their sandbox gone) since start, for the operator. */
  lost = 0;

  constructor(
    readonly backend: SandboxBackend,
    private readonly limits: SessionLimits,
    private readonly log: (message: string) => void = console.log,
    prepareWarm?: (sandbox: Sandbox) => Promise<void>,
    private readonly records?: SessionRecords,
  ) {
    this.pool = new WarmPool(
      backend,
      limits.warmPoolSize,
      () => this.liveCount() + this.pool.available + this.pool.pendingCount < limits.maxSessions + limits.warmPoolSize && !backend.capacityProblem(),
      (error) => this.log(`warm pool: ${error.message}`),
      prepareWarm,
    );
  }

  async start(): Promise<void> {
    // Sessions of an earlier run whose sandboxes still run are taken back (their tokens
    // keep working); every other labelled sandbox is a leftover and goes.
    const restored = this.records ? await restoreSessions(this.records, this.backend, this.limits, this.log) : [];
    for (const session of restored) this.sessions.set(session.id, session);
    const removed = await this.backend.removeLeftovers(new Set(restored.map((session) => session.sandbox!.id)));
    if (restored.length > 0) this.log(`reattached ${restored.length} session(s) from an earlier run`);
    if (removed > 0) this.log(`removed ${removed} sandbox(es) left over from an earlier run`);
    this.pool.fill();
    const reapEveryMs = Math.max(250, Math.min(5000, this.limits.idleTimeoutMs / 4));
    this.reaper = setInterval(() => void this.reap(), reapEveryMs);
    this.reaper.unref();
    this.stopWatching = this.backend.watchStops(
      (sandboxId) => void this.sandboxStopped(sandboxId),
      () => void this.sweep(),
    );
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Ends every session and removes its sandbox; with keepSessions, leaves running
   * sessions for the next start to reattach (a restart or deploy). */
  async stop({ keepSessions = false } = {}): Promise<void> {
    clearInterval(this.reaper);
    clearInterval(this.sweeper);
    this.stopWatching?.();
    await this.pool.drain();
    if (keepSessions && this.records) return;
    const sessions = [...this.sessions.values()];
    await Promise.all(sessions.map((session) => this.end(session, 'expired')));
    // A sandbox still being made for an ended session removes itself once it exists.
    await Promise.allSettled(sessions.map((session) => session.started));
  }

  /** Called when a session's terminals must let go (its sandbox is restarting). */
  onInterrupt(listener: (session: Session, reason: string) => void): void {
    this.interruptListeners.push(listener);
  }

  onEnd(listener: (session: Session, sandbox: Sandbox | undefined) => void): void {
    this.endListeners.push(listener);
  }

  liveCount(): number {
    let count = 0;
    for (const session of this.sessions.values()) if (isLive(session)) count += 1;
    return count;
  }

  get warmAvailable(): number {
    return this.pool.available;
  }

  create(learnerId?: string, lessonId?: string): Session {
    // One sandbox per lesson and learner: a new one for a lesson replaces the old.
    const replaced = learnerId && lessonId ? this.liveFor(learnerId).find((session) => session.lessonId === lessonId) : undefined;
    const held = learnerId ? this.liveFor(learnerId).filter((session) => session !== replaced) : [];
    if (held.length >= this.limits.maxPerLearner) throw new LearnerCapError(held);
    if (this.liveCount() - (replaced ? 1 : 0) >= this.limits.maxSessions) {
      // A learner's own other lessons are theirs to give up, rather than a refusal.
      if (held.length > 0) throw new LearnerCapError(held, true);
      throw new CapacityError(`the server is full: ${this.limits.maxSessions} sessions are running. Try again in a few minutes.`);
    }
    // A warm sandbox has its disk already; a new one must fit on the host's disk.
    const noRoom = this.pool.available === 0 ? this.backend.capacityProblem() : undefined;
    if (noRoom) {
      this.log(`refused a session: ${noRoom}`);
      throw new CapacityError(noRoom);
    }
    const now = Date.now();
    const warm = this.pool.take();
    const token = newToken();
    const session: Session = {
      id: newSessionId(),
      token,
      tokenHash: hashToken(token),
      restarts: 0,
      learnerId,
      lessonId,
      openedAt: new Map(),
      state: warm ? 'ready' : 'starting',
      createdAt: now,
      lastActiveAt: now,
      sandbox: warm,
      started: Promise.resolve(warm as Sandbox),
      ready: Promise.resolve(warm as Sandbox),
    };
    if (!warm) this.startSandbox(session);
    // Ended, not forgotten: a tab still on the old one is told it expired.
    if (replaced) void this.end(replaced, 'expired');
    session.started.catch(() => undefined);
    session.ready.catch(() => undefined);
    this.sessions.set(session.id, session);
    void session.started.then(() => this.persist(session), () => undefined);
    return session;
  }

  private async persist(session: Session): Promise<void> {
    if (!this.records || !session.sandbox || (session.state !== 'ready' && session.state !== 'starting')) return;
    this.persistedActivity.set(session.id, session.lastActiveAt);
    await this.records
      .save({
        id: session.id,
        tokenHash: session.tokenHash,
        learnerId: session.learnerId,
        lessonId: session.lessonId,
        sandboxId: session.sandbox.id,
        createdAt: session.createdAt,
        lastActiveAt: session.lastActiveAt,
        openedAt: Object.fromEntries(session.openedAt),
      })
      .catch((error: Error) => this.log(`saving session ${session.id}: ${error.message}`));
  }

  /** The learner opened a step: its history checks count from now on (the first opening).
   * Answers whether this was the step's first opening in this sandbox. */
  openedStep(session: Session, lessonId: string, stepId: string): boolean {
    const now = Date.now();
    const first = !session.openedAt.has(`${lessonId}/${stepId}`);
    let changed = false;
    for (const key of [lessonId, `${lessonId}/${stepId}`]) {
      if (session.openedAt.has(key)) continue;
      session.openedAt.set(key, now);
      changed = true;
    }
    if (changed) void this.persist(session);
    return first;
  }

  /** Since when a step's history checks look: the step's first opening (its lesson's, for
   * sessions remembered from before steps were told apart). */
  historySince(session: Session, lessonId: string, stepId: string): number | undefined {
    return session.openedAt.get(`${lessonId}/${stepId}`) ?? session.openedAt.get(lessonId);
  }

  /** Sets the session's `started` and `ready` promises to a sandbox made for it. */
  private startSandbox(session: Session): void {
    session.started = this.backend.create({ 'drydock.session': session.id }).then(async (sandbox) => {
      if (session.state !== 'starting') {
        await this.backend.remove(sandbox);
        throw new Error(`session ${session.state} before its sandbox was ready`);
      }
      session.sandbox = sandbox;
      return sandbox;
    });
    session.ready = this.whenReady(session);
  }

  private async whenReady(session: Session): Promise<Sandbox> {
    try {
      const sandbox = await session.started;
      await this.backend.waitUntilReady(sandbox);
      if (session.state !== 'starting') throw new Error(`session ${session.state} before its sandbox was ready`);
      session.state = 'ready';
      return sandbox;
    } catch (error) {
      if (session.state === 'starting') {
        session.error = (error as Error).message;
        this.log(`session ${session.id} failed to start: ${session.error}`);
        await this.end(session, 'failed');
      }
      throw error;
    }
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** The learner's running sessions, one per lesson they have open. */
  liveFor(learnerId: string): Session[] {
    return [...this.sessions.values()].filter((session) => session.learnerId === learnerId && isLive(session));
  }

  /** The sandbox of the lesson the learner works in now: the running one they used last
   * (else their newest ended one, so an instructor sees that it ended). */
  currentFor(learnerId: string): Session | undefined {
    let current: Session | undefined;
    for (const session of this.sessions.values()) {
      if (session.learnerId !== learnerId) continue;
      const better = !current || (isLive(session) && !isLive(current)) || (isLive(session) === isLive(current) && session.lastActiveAt >= current.lastActiveAt);
      if (better) current = session;
    }
    return current;
  }

  /** The learner's running sandbox for a lesson, if any. */
  lessonSession(learnerId: string, lessonId: string): Session | undefined {
    return this.liveFor(learnerId).find((session) => session.lessonId === lessonId);
  }

  /** The session, if the token is its own. */
  authorize(id: string, token: string | undefined): Session | undefined {
    const session = this.sessions.get(id);
    return session && tokenHashMatches(session.tokenHash, token) ? session : undefined;
  }

  touch(session: Session): void {
    session.lastActiveAt = Date.now();
    if (this.records && session.lastActiveAt - (this.persistedActivity.get(session.id) ?? 0) > PERSIST_ACTIVITY_MS) {
      this.persistedActivity.set(session.id, session.lastActiveAt);
      void this.records.touch(session.id, session.lastActiveAt).catch(() => undefined);
    }
  }

  /** When the session ends unless the learner does something: idle expiry, or its end. */
  expiresAt(session: Session): number {
    return Math.min(this.endsAt(session), session.lastActiveAt + this.limits.idleTimeoutMs);
  }

  /** When the session ends whatever the learner does: its maximum lifetime. */
  endsAt(session: Session): number {
    return session.createdAt + this.limits.maxLifetimeMs;
  }

  async remove(session: Session): Promise<void> {
    await this.end(session, 'expired');
    this.sessions.delete(session.id);
  }

  /** Marks a session failed (its sandbox died) so the learner is told and can start another. */
  async markFailed(session: Session, reason: string): Promise<void> {
    session.error = reason;
    await this.end(session, 'failed');
  }

  private async end(session: Session, state: 'expired' | 'failed'): Promise<void> {
    if (session.state === 'expired' || session.state === 'failed') return;
    session.state = state;
    const sandbox = session.sandbox;
    session.sandbox = undefined;
    this.persistedActivity.delete(session.id);
    await this.records?.remove(session.id).catch((error: Error) => this.log(`forgetting session ${session.id}: ${error.message}`));
    for (const listener of this.endListeners) listener(session, sandbox);
    if (sandbox) await this.backend.remove(sandbox).catch((error: Error) => this.log(`removing sandbox: ${error.message}`));
    this.pool.fill();
  }

  /** A sandbox stopped on its own (its engine died, out of memory, the host engine
   * restarted): start it again with its data, or report the session failed. */
  private async sandboxStopped(sandboxId: string): Promise<void> {
    const session = [...this.sessions.values()].find((candidate) => candidate.sandbox?.id === sandboxId && candidate.state === 'ready');
    if (!session) return;
    const sandbox = session.sandbox!;
    // An event can arrive late or twice (the stream replays from its last second after a
    // reconnect): act only on a sandbox that really is not running.
    const now = await this.backend.inspect(sandbox);
    if (now.running || now.unreachable || session.state !== 'ready' || session.sandbox !== sandbox) return;
    const reason = "the sandbox stopped (its Docker engine exited); it is starting again with your images, containers and files";
    this.log(`session ${session.id}: ${reason}`);
    session.state = 'starting';
    session.error = reason;
    for (const listener of this.interruptListeners) listener(session, reason);
    session.restarts += 1;
    session.started = (async () => {
      if (session.restarts > MAX_RESTARTS) throw new Error(`the sandbox stopped ${session.restarts} times`);
      const restarted = await this.backend.restart(sandbox);
      if (session.state !== 'starting') throw new Error(`session ${session.state} while restarting`);
      session.sandbox = restarted;
      return restarted;
    })();
    session.ready = this.whenReady(session);
    session.started.catch(() => undefined);
    try {
      await session.ready;
      session.error = undefined;
      this.log(`session ${session.id}: sandbox restarted`);
    } catch (error) {
      this.lost += 1;
      session.error = `the sandbox stopped and could not be started again: ${(error as Error).message}. Start a new one.`;
    }
  }

  /** Something failed on the session's sandbox: if it stopped unnoticed, restart it now. */
  noticeIfStopped(session: Session): void {
    if (session.state === 'ready' && session.sandbox) void this.sandboxStopped(session.sandbox.id);
  }

  /** Catches stops the event stream missed (e.g. while the host engine restarted). */
  private async sweep(): Promise<void> {
    for (const session of [...this.sessions.values()]) {
      if (session.state !== 'ready' || !session.sandbox) continue;
      const state = await this.backend.inspect(session.sandbox);
      if (state.unreachable) return; // the engine is away: nothing can be judged now
      if (!state.running) await this.sandboxStopped(session.sandbox.id);
    }
  }

  private async reap(): Promise<void> {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) {
      if ((session.state === 'ready' || session.state === 'starting') && now >= this.expiresAt(session)) {
        this.log(`session ${session.id} expired`);
        await this.end(session, 'expired');
      } else if ((session.state === 'expired' || session.state === 'failed') && now - session.lastActiveAt > TOMBSTONE_MS) {
        this.sessions.delete(session.id);
      }
    }
  }
}

function isLive(session: Session): boolean {
  return session.state === 'starting' || session.state === 'ready';
}
