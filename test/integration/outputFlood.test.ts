// A terminal flooding output, read fast or not read at all, and a huge paste flooding
// input, must neither freeze the server nor grow its memory without bound, nor kill
// the session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession } from '../support/drydockClient.js';

let server: TestServer;
let session: CreatedSession;

beforeAll(async () => {
  server = await startTestServer();
  session = await server.client.createSession();
  await server.client.waitReady(session.id, session.token);
});

afterAll(async () => {
  await server?.close();
});

describe('an output flood', () => {
  it('leaves the server, other terminals and the flooding terminal usable', async () => {
    const flood = await server.client.openTerminal(session.id, session.token, 'flood');
    await flood.waitFor('drydock');
    flood.type('cat /dev/urandom | base64\r');
    await flood.waitFor(/[A-Za-z0-9+/]{76}\r\n[A-Za-z0-9+/]{76}/);
    const floodedBefore = flood.dropped + flood.output.length;

    // While it floods: the API answers and another terminal runs commands.
    const health = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    const other = await server.client.openTerminal(session.id, session.token, 'calm');
    await other.waitFor('drydock');
    expect(await other.run('echo calm-$((2+3))', 20_000)).toContain('calm-5');
    await other.close();
    expect(flood.dropped + flood.output.length).toBeGreaterThan(floodedBefore); // still flowing

    // Ctrl-C stops it and the same shell answers again.
    flood.type('\x03');
    const answer = await flood.run('echo after-flood-$((3*3))', 30_000);
    expect(answer).toContain('after-flood-9');
    await flood.close();
  });

  it('does not buffer without bound for a client that stops reading', async () => {
    const slow = await server.client.openTerminal(session.id, session.token, 'slow');
    await slow.waitFor('drydock');
    slow.type('yes drydock-flood-line\r');
    await slow.waitFor('drydock-flood-line');
    const rawSocket = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    rawSocket.pause(); // the client stops reading; the server must stop reading the shell

    const before = process.memoryUsage().rss;
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const growthMb = (process.memoryUsage().rss - before) / 1024 / 1024;
    // `yes` writes hundreds of MB in 4 s; buffering it would show here.
    expect(growthMb).toBeLessThan(100);

    rawSocket.resume();
    slow.type('\x03');
    expect(await slow.run('echo resumed-ok', 30_000)).toContain('resumed-ok');
    await slow.close();
  });

  it('takes a huge paste at the shell\'s pace, with bounded memory', async () => {
    const paste = await server.client.openTerminal(session.id, session.token, 'paste');
    await paste.waitFor('drydock');
    const totalBytes = 16 * 1024 * 1024;
    // Raw mode, so the line discipline passes every byte to head, which stops at the total.
    paste.type(`stty raw -echo; head -c ${totalBytes} > /tmp/paste; stty sane; echo "pasted=$(stat -c %s /tmp/paste)"\r`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let sent = 0; sent < totalBytes; sent += chunk.length) {
      paste.socket.send(chunk, { binary: true });
      // The client's own buffer may fill; what matters is the server's memory.
      if (paste.socket.bufferedAmount > 8 * 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await paste.waitFor(`pasted=${totalBytes}`, 120_000);
    clearInterval(sampler);
    const growthMb = (peak - before) / 1024 / 1024;
    console.log(`huge paste: ${totalBytes / 1024 / 1024} MiB through the terminal, server RSS peak growth ${growthMb.toFixed(1)} MiB`);
    expect(growthMb).toBeLessThan(100);
    expect(await paste.run('echo after-paste-ok', 30_000)).toContain('after-paste-ok');
    await paste.close();
  });
});
