import { describe, expect, it } from 'vitest';
import { newSessionId, newToken, tokensMatch } from '../../sandbox-server/src/sessions/tokens.js';

describe('session tokens', () => {
  it('are long, URL-safe and unique', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSessionId()).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });

  it('match only the exact token', () => {
    const token = newToken();
    expect(tokensMatch(token, token)).toBe(true);
    expect(tokensMatch(token, token.slice(0, -1))).toBe(false);
    expect(tokensMatch(token, `${token}x`)).toBe(false);
    expect(tokensMatch(token, newToken())).toBe(false);
    expect(tokensMatch(token, undefined)).toBe(false);
    expect(tokensMatch(token, '')).toBe(false);
  });
});
