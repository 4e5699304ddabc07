// Session ids and secret tokens. Ids appear in URLs; tokens are the only proof of ownership.
import crypto from 'node:crypto';

export function newSessionId(): string {
  return crypto.randomBytes(9).toString('base64url');
}

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function tokensMatch(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Tokens are kept only as hashes once written down, like passwords. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function tokenHashMatches(expectedHash: string, given: string | undefined): boolean {
  return given !== undefined && tokensMatch(expectedHash, hashToken(given));
}
