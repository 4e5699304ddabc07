// Session-creation spam: one learner, then one address, is refused with 429 and the
// wait; other learners and running sessions are unaffected; the global cap still holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ rateLimitLearnerPerMinute: 2, rateLimitAddressPerMinute: 5, maxSessions: 10 });
});
afterAll(async () => {
  await server?.close();
});

async function newLearnerCookie(): Promise<string> {
  const me = await fetch(`${server.url}/api/me`);
  return me.headers.get('set-cookie')!.split(';')[0];
}

const create = (cookie?: string) => fetch(`${server.url}/api/sessions`, { method: 'POST', headers: cookie ? { cookie } : {} });

describe('rate limits on creating sessions', () => {
  it('refuses a learner past their rate, then the address past its own, and no one else', async () => {
    const spammer = await newLearnerCookie();
    const first = await (await create(spammer)).json();
    expect((await create(spammer)).status).toBe(201);
    const refused = await create(spammer);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refused.json()).error).toMatch(/too many sandboxes/);

    // Another learner from the same address still gets one, and running sessions answer.
    expect((await create(await newLearnerCookie())).status).toBe(201);
    expect((await server.client.session(first.id, first.token)).status).toBe(200);

    // The address has spent 4 of its 5 (the refused one counted too): one more, then 429.
    expect((await create()).status).toBe(201);
    const flooded = await create();
    expect(flooded.status).toBe(429);
    expect((await flooded.json()).error).toMatch(/from your address/);
    expect(server.app.sessions.liveCount()).toBe(4);
  });
});
