// Token buckets per client: each key may spend up to `perMinute` at once, refilled at
// that many per minute. Spam from one learner or one address gets 429 with the wait;
// everyone else is unaffected. Full buckets are forgotten, so memory stays bounded.
import type http from 'node:http';
import type { DrydockConfig } from '../config.js';
import { HttpError } from './respond.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MAX_KEYS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Spends one token of `key`; returns the seconds to wait when there is none. */
  take(key: string, perMinute: number): number | undefined {
    const now = this.now();
    const refillPerMs = perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: perMinute, updatedAt: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      return Math.ceil((1 - bucket.tokens) / refillPerMs / 1000);
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_KEYS) this.prune(perMinute);
    return undefined;
  }

  private prune(perMinute: number): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * (perMinute / 60_000) >= perMinute) this.buckets.delete(key);
    }
    // Still too many distinct clients: drop the oldest rather than grow without end.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= MAX_KEYS) break;
      this.buckets.delete(key);
    }
  }
}

export class RateLimitError extends HttpError {
  constructor(
    readonly retryAfterS: number,
    message: string,
  ) {
    super(429, message);
  }
}

/** The client's address: the socket's, or the proxy's X-Forwarded-For when trusted. */
export function clientAddress(req: http.IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',')[0].trim();
    if (forwarded) return forwarded;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** Refuses a creation (session, join, classroom) beyond the address's or the learner's rate. */
export function limitCreation(limiter: RateLimiter, config: DrydockConfig, req: http.IncomingMessage, learnerId?: string): void {
  const address = clientAddress(req, config.trustProxy);
  const addressWait = limiter.take(`address ${address}`, config.rateLimitAddressPerMinute);
  if (addressWait !== undefined) throw new RateLimitError(addressWait, `too many new sessions and joins from your address; try again in ${addressWait} s`);
  if (!learnerId) return;
  const learnerWait = limiter.take(`learner ${learnerId}`, config.rateLimitLearnerPerMinute);
  if (learnerWait !== undefined) throw new RateLimitError(learnerWait, `you started too many sandboxes in a short time; try again in ${learnerWait} s`);
}
