// Learner sessions: each owns one sandbox, a secret token, and an expiry
// (idle timeout and maximum lifetime). The manager enforces the global cap,
// hands out warm sandboxes first, and reaps what expired.
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';
import { newSessionId, newToken, tokensMatch } from './tokens.js';
import { WarmPool } from './warmPool.js';

export type SessionState = 'starting' | 'ready' | 'expired' | 'failed';

export interface Session {
  id: string;
  token: string;
  state: SessionState;
  createdAt: number;
  lastActiveAt: number;
  sandbox?: Sandbox;
  error?: string;
  /** The learner whose progress this session's passed checks count for. */
  learnerId?: string;
  /** When each lesson was first opened in this session (history checks start there). */
  lessonOpenedAt: Map<string, number>;
  /** Settles when the sandbox runs and its shell can be attached. */
  started: Promise<Sandbox>;
  /** Settles when the sandbox's Docker engine answers too (or rejects when it failed). */
  ready: Promise<Sandbox>;
}

export interface SessionLimits {
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  maxSessions: number;
  warmPoolSize: number;
}

export class CapacityError extends Error {}

/** How long an ended session still answers GET with its final state. */
const TOMBSTONE_MS = 60 * 60 * 1000;

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly pool: WarmPool;
  private reaper?: NodeJS.Timeout;
  private readonly endListeners: ((session: Session, sandbox: Sandbox | undefined) => void)[] = [];

  constructor(
    readonly backend: SandboxBackend,
    private readonly limits: SessionLimits,
    private readonly log: (message: string) => void = console.log,
    prepareWarm?: (sandbox: Sandbox) => Promise<void>,
  ) {
    this.pool = new WarmPool(
      backend,
      limits.warmPoolSize,
      () => this.liveCount() + this.pool.available + this.pool.pendingCount < limits.maxSessions + limits.warmPoolSize,
      (error) => this.log(`warm pool: ${error.message}`),
      prepareWarm,
    );
  }

  async start(): Promise<void> {
    const removed = await this.backend.removeLeftovers();
    if (removed > 0) this.log(`removed ${removed} sandbox(es) left over from an earlier run`);
    this.pool.fill();
    const reapEveryMs = Math.max(250, Math.min(5000, this.limits.idleTimeoutMs / 4));
    this.reaper = setInterval(() => void this.reap(), reapEveryMs);
    this.reaper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.reaper);
    await this.pool.drain();
    await Promise.all([...this.sessions.values()].map((session) => this.end(session, 'expired')));
  }

  onEnd(listener: (session: Session, sandbox: Sandbox | undefined) => void): void {
    this.endListeners.push(listener);
  }

  liveCount(): number {
    let count = 0;
    for (const session of this.sessions.values()) if (session.state === 'starting' || session.state === 'ready') count += 1;
    return count;
  }

  get warmAvailable(): number {
    return this.pool.available;
  }

  create(learnerId?: string): Session {
    if (this.liveCount() >= this.limits.maxSessions) {
      throw new CapacityError(`the server is full: ${this.limits.maxSessions} sessions are running. Try again in a few minutes.`);
    }
    const now = Date.now();
    const warm = this.pool.take();
    const session: Session = {
      id: newSessionId(),
      token: newToken(),
      learnerId,
      lessonOpenedAt: new Map(),
      state: warm ? 'ready' : 'starting',
      createdAt: now,
      lastActiveAt: now,
      sandbox: warm,
      started: Promise.resolve(warm as Sandbox),
      ready: Promise.resolve(warm as Sandbox),
    };
    if (!warm) this.startSandbox(session);
    session.started.catch(() => undefined);
    session.ready.catch(() => undefined);
    this.sessions.set(session.id, session);
    return session;
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
        session.state = 'failed';
        session.error = (error as Error).message;
        this.log(`session ${session.id} failed to start: ${session.error}`);
      }
      throw error;
    }
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** The learner's newest session (a learner may have restarted theirs). */
  latestFor(learnerId: string): Session | undefined {
    let latest: Session | undefined;
    for (const session of this.sessions.values()) {
      if (session.learnerId === learnerId && (!latest || session.createdAt >= latest.createdAt)) latest = session;
    }
    return latest;
  }

  /** The session, if the token is its own. */
  authorize(id: string, token: string | undefined): Session | undefined {
    const session = this.sessions.get(id);
    return session && tokensMatch(session.token, token) ? session : undefined;
  }

  touch(session: Session): void {
    session.lastActiveAt = Date.now();
  }

  expiresAt(session: Session): number {
    return Math.min(session.createdAt + this.limits.maxLifetimeMs, session.lastActiveAt + this.limits.idleTimeoutMs);
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
    for (const listener of this.endListeners) listener(session, sandbox);
    if (sandbox) await this.backend.remove(sandbox).catch((error: Error) => this.log(`removing sandbox: ${error.message}`));
    this.pool.fill();
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
