// Sends the outbox's scores to their gradebooks: at start (what a previous run left),
// when a score is queued, and when a retry falls due. A platform that is down or busy
// is tried again later, the wait doubling up to a cap; one that refuses a score for
// good (or never took it after the last attempt) leaves it marked failed, with the
// reason, for the instructor to see.
import type { ScoreOutboxStore, OutboxScore } from '../store/scoreOutboxStore.js';
import type { LtiPlatformStore } from '../store/ltiPlatformStore.js';
import { PlatformError, type PlatformAccess } from './platformAccess.js';

export interface DeliverySettings {
  /** The first wait after a failed attempt; each next one doubles. */
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
}

/** How long a sender holds a score it is sending before another may take it. */
const LEASE_MS = 60_000;
/** Scores queued by another server process are noticed at least this often. */
const POLL_MS = 30_000;

export class ScoreDelivery {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private closed = false;

  constructor(
    private readonly outbox: ScoreOutboxStore,
    private readonly platforms: LtiPlatformStore,
    private readonly access: PlatformAccess,
    private readonly settings: DeliverySettings,
    /** A score's state changed (sent, retrying, failed): the instructor's grid follows. */
    private readonly onChange: (score: OutboxScore) => void,
  ) {}

  start(): void {
    this.wake();
  }

  /** Sends what is due now (again after the current pass, if one is under way). */
  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.pass()
      .catch((error: Error) => console.error(`LTI: sending scores failed: ${error.message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        } else void this.schedule();
      });
  }

  /** Waits for a pass under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.idle();
  }

  private async schedule(): Promise<void> {
    if (this.closed) return;
    const next = await this.outbox.nextDue().catch(() => undefined);
    if (this.closed) return;
    const wait = next === undefined ? POLL_MS : Math.min(POLL_MS, Math.max(0, next - Date.now()));
    this.timer = setTimeout(() => this.wake(), wait);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    for (const score of await this.outbox.due(Date.now())) {
      if (this.closed) return;
      if (!(await this.outbox.claim(score, Date.now(), LEASE_MS))) continue;
      await this.send(score);
    }
  }

  private async send(score: OutboxScore): Promise<void> {
    const platform = await this.platforms.byId(score.platformId);
    try {
      if (!platform) throw new PlatformError('the platform is no longer registered', false);
      await this.access.postScore(platform, score.lineItem, score.score);
      await this.outbox.markSent(score.id);
      this.onChange({ ...score, state: 'sent' });
    } catch (error) {
      const message = (error as Error).message;
      const attempts = score.attempts + 1;
      if (error instanceof PlatformError && error.retry && attempts < this.settings.maxAttempts) {
        const wait = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** (attempts - 1));
        await this.outbox.markRetry(score.id, message, Date.now() + wait);
        this.onChange({ ...score, attempts, lastError: message });
      } else {
        await this.outbox.markFailed(score.id, message);
        this.onChange({ ...score, state: 'failed', attempts, lastError: message });
        console.error(`LTI: a score for ${score.lineItem} was not taken: ${message}`);
      }
    }
  }
}
