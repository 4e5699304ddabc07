// Talking to a platform's services (LTI Security Framework 4.1, AGS 2.0): an access
// token from its token endpoint, asked for with a client assertion Drydock signs
// (client-credentials grant, JWT bearer), and a score posted to a line item with it.
import type { Platform } from '../store/ltiPlatformStore.js';
import type { ToolKeys } from './toolKeys.js';
import { SCORE_MEDIA_TYPE, SCORE_SCOPE } from './ltiClaims.js';

const REQUEST_TIMEOUT_MS = 15_000;

/** What a failed exchange with a platform means for the score. */
export class PlatformError extends Error {
  constructor(
    message: string,
    /** Worth trying again later (the platform is down or busy), or never (it refused the score). */
    readonly retry: boolean,
  ) {
    super(message);
  }
}

function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new PlatformError(`${new URL(url).host} did not answer: ${cause ?? (error as Error).message}`, true);
  }
}

async function reason(response: Response): Promise<string> {
  const body = (await response.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 300);
  return `${response.status} ${response.statusText}${body ? `: ${body}` : ''}`;
}

export class PlatformAccess {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(private readonly keys: ToolKeys) {}

  /** An access token for scores, kept until a minute before it expires. */
  private async accessToken(platform: Platform): Promise<string> {
    const held = this.tokens.get(platform.id);
    if (held && held.expiresAt > Date.now() + 60_000) return held.token;
    const assertion = await this.keys.sign({ iss: platform.clientId, sub: platform.clientId, aud: platform.tokenUrl }, 300);
    const response = await request(platform.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: SCORE_SCOPE,
      }),
    });
    // A refused assertion is most often a registration not finished yet (Drydock's keys
    // not pasted in): worth trying again once the operator has.
    if (!response.ok) throw new PlatformError(`the token endpoint refused Drydock: ${await reason(response)}`, true);
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw new PlatformError('the token endpoint answered without an access_token', true);
    const lifetimeS = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    this.tokens.set(platform.id, { token: body.access_token, expiresAt: Date.now() + lifetimeS * 1000 });
    return body.access_token;
  }

  /** Posts the score to the line item's scores endpoint; PlatformError when it did not take. */
  async postScore(platform: Platform, lineItem: string, score: Record<string, unknown>): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.accessToken(platform);
      const response = await request(scoresUrl(lineItem), {
        method: 'POST',
        headers: { 'content-type': SCORE_MEDIA_TYPE, authorization: `Bearer ${token}` },
        body: JSON.stringify(score),
      });
      if (response.ok) return void (await response.body?.cancel());
      // An expired or revoked token: one more try with a fresh one.
      if (response.status === 401 && attempt === 0) {
        this.tokens.delete(platform.id);
        continue;
      }
      throw new PlatformError(`the gradebook answered ${await reason(response)}`, retryable(response.status));
    }
  }
}

/** The scores endpoint is the line item's URL with /scores on its path, its query kept (AGS 3.4). */
export function scoresUrl(lineItem: string): string {
  const url = new URL(lineItem);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/scores`;
  return url.toString();
}
