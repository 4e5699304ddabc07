// Fuzzing the terminal WebSocket of a real session: random binary and text frames,
// invalid JSON, control messages with wrong types, absurd resize values, frames near
// and over the 4 MiB limit, rapid open/close, absurd query strings on the upgrade, and
// raw protocol garbage after the handshake.
//
// Every bad control message gets an error message back; a frame over the limit closes
// that socket with 1009 and nothing else; a bad query is refused with 400 and a reason.
// Throughout, the server stays up, another session's terminal (the victim) still echoes,
// and the attacked session can still open a fresh terminal and run a command.
import crypto from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession, TerminalClient } from '../support/drydockClient.js';
import { FuzzTally, fuzzSeed, Rng } from '../support/fuzzRandom.js';
import { parseControlMessage } from '../../sandbox-server/src/terminal/controlMessages.js';

const seed = fuzzSeed('terminal WebSocket');
const rng = new Rng(seed);
const MAX_FRAME = 4 * 1024 * 1024;

let server: TestServer;
let victim: CreatedSession;
let victimTerminal: TerminalClient;
let victimClosed: number | undefined;
let target: CreatedSession;
/** The instructor's read-only view of the attacked learner's terminal. */
let watchPath: string;
const marker = `fuzz-victim-${seed.toString(36)}`;
const tally = new FuzzTally();

beforeAll(async () => {
  server = await startTestServer();
  // The attacked session is a classroom learner's, so the instructor's view of it can be fuzzed too.
  const post = async (path: string, body?: unknown, token?: string) =>
    (await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body ?? {}) })).json();
  const room = await post('/api/classrooms', { name: 'Fuzz room', lessons: ['sample'] });
  const learner = await post(`/api/classrooms/${room.code}/join`, { name: 'Target' });
  watchPath = `/api/classrooms/${room.id}/learners/${learner.learnerId}/terminal?token=${encodeURIComponent(room.instructorToken)}&cols=80&rows=24`;
  [victim, target] = await Promise.all([server.client.createSession(), post('/api/sessions', undefined, learner.token)]);
  await Promise.all([server.client.waitReady(victim.id, victim.token), server.client.waitReady(target.id, target.token)]);
  victimTerminal = await server.client.openTerminal(victim.id, victim.token);
  victimTerminal.socket.on('close', (code) => (victimClosed = code));
  await victimTerminal.waitFor('drydock');
  await victimTerminal.run(`export MARKER=${marker}`);
}, 300_000);

afterAll(async () => {
  await victimTerminal?.close();
  await server?.close();
});

// ---------------------------------------------------------------------------------
// An attacking socket: counts the error messages the server sends back.

interface Attack {
  socket: WebSocket;
  errors: number;
  attached: boolean;
  closed?: { code: number; reason: string };
  waitClosed(timeoutMs: number): Promise<{ code: number; reason: string } | undefined>;
  waitErrors(count: number, timeoutMs: number): Promise<boolean>;
}

function terminalUrl(session: CreatedSession, name: string, extra = ''): string {
  return `${server.url.replace(/^http/, 'ws')}/api/sessions/${session.id}/terminal?token=${encodeURIComponent(session.token)}&name=${name}&cols=100&rows=30${extra}`;
}

function attack(url: string, { waitOpen = true } = {}): Promise<Attack> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const listeners: (() => void)[] = [];
    const poke = () => listeners.splice(0).forEach((listener) => listener());
    const state: Attack = {
      socket,
      errors: 0,
      attached: false,
      waitClosed: (timeoutMs) =>
        new Promise((done) => {
          if (state.closed) return done(state.closed);
          const timer = setTimeout(() => done(undefined), timeoutMs);
          socket.once('close', () => {
            clearTimeout(timer);
            done(state.closed);
          });
        }),
      waitErrors: (count, timeoutMs) =>
        new Promise((done) => {
          const timer = setTimeout(() => done(state.errors >= count), timeoutMs);
          const check = () => {
            if (state.errors < count && !state.closed) return void listeners.push(check);
            clearTimeout(timer);
            done(state.errors >= count);
          };
          check();
        }),
    };
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(data.toString()) as { type: string };
      if (message.type === 'error') state.errors++;
      if (message.type === 'attached') state.attached = true;
      poke();
    });
    socket.on('close', (code, reason) => {
      state.closed = { code, reason: reason.toString() };
      poke();
    });
    socket.on('error', (error) => {
      if (socket.readyState === WebSocket.CONNECTING) reject(error);
    });
    socket.once('unexpected-response', (_req, res) => reject(new Error(`terminal refused: ${res.statusCode}`)));
    if (waitOpen) socket.once('open', () => resolve(state));
    else resolve(state);
  });
}

async function attached(socket: Attack, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!socket.attached) {
    if (socket.closed) throw new Error(`closed before attaching: ${JSON.stringify(socket.closed)}`);
    if (Date.now() > deadline) throw new Error('not attached in time');
    await new Promise((wait) => setTimeout(wait, 20));
  }
}

function send(socket: WebSocket, data: Buffer | string, binary: boolean): Promise<void> {
  return new Promise((resolve) => socket.send(data, { binary }, () => resolve()));
}

/** The upgrade's answer: 101, or the refusal's status and JSON reason. */
function upgrade(url: string): Promise<{ status: number; error?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.terminate();
      resolve({ status: 101 });
    });
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        let error: string | undefined;
        try {
          error = (JSON.parse(text) as { error?: string }).error;
        } catch {
          error = undefined;
        }
        resolve({ status: res.statusCode ?? 0, error });
      });
    });
    socket.once('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) reject(error);
    });
  });
}

// ---------------------------------------------------------------------------------
// Generators.

const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';
const UNICODE = ['é', 'ß', '中', '😀', '\u202e', '\u200b', '\ufeff', '\ud7ff', '\u{10ffff}', '\u0000', '\u007f', '\u0085'];

function randomText(r: Rng, max: number): string {
  let out = '';
  for (let i = r.length(max); i > 0; i--) out += r.chance(0.8) ? PRINTABLE[r.int(0, PRINTABLE.length - 1)] : r.pick(UNICODE);
  return out;
}

const INVALID_JSON = ['{', '}', '[', '{"type":', '{"type":"resize",}', "{'type':'resize'}", '{type:resize}', 'NaN', 'undefined', '', ' ', '\u0000', '{"type":"resize"} x', '{"type":"resize","cols":80,"rows":24}{', '// {}', '{"a":1}}', '"\\ud800', '{"type":"\\u00"}'];

/** Sizes a resize might carry: wrong types, out of range, floats, NaN spelled out, and a few valid. */
const SIZES: unknown[] = [-1, 0, 1, 2, 80, 500, 501, 1000, 1001, 1e9, -1e9, 1.5, 0.1, -0, 2 ** 31, 2 ** 53, 1e308, 'NaN', 'Infinity', '-Infinity', '80', '', null, true, [], [80], {}, { value: 80 }, 'x'.repeat(100)];

function wrongTypes(r: Rng): unknown {
  return r.weighted<() => unknown>([
    [2, () => ({ type: r.pick(['resize', 'input', 'ping', 'Resize', 'RESIZE', 'paste', 'exec', 'kill', '', '__proto__', 'constructor', 'toString', 5, null, true, ['resize'], { type: 'resize' }]) })],
    [2, () => ({ type: 'input', data: r.pick<unknown>([5, null, true, [], {}, ['ls'], { toString: 'x' }, 1e308]) })],
    [2, () => ({ type: 'input', data: randomText(r, 40).replace(/[\u0000-\u001f\u007f\u0085]/g, '') })],
    [1, () => ({ type: 'resize', cols: r.pick(SIZES) })],
    [1, () => ({ type: 'resize', rows: r.pick(SIZES) })],
    [1, () => r.pick([null, 0, 1, -1, 'resize', true, [], [1, 2], [{ type: 'resize', cols: 80, rows: 24 }], '{"type":"resize"}'])],
    [1, () => ({ type: 'ping', extra: r.pick([1, 'x', null]) })],
    [1, () => Object.fromEntries(Array.from({ length: r.int(1, 5) }, () => [r.pick(['type', 'cols', 'rows', 'data', '__proto__', 'x']), r.pick(SIZES)]))],
    [1, () => JSON.parse(`{"type":"resize","cols":80,"rows":24,"__proto__":{"cols":"x"}}`)],
  ])();
}

function resizeMessage(r: Rng): string {
  return r.weighted<() => string>([
    [6, () => JSON.stringify({ type: 'resize', cols: r.pick(SIZES), rows: r.pick(SIZES) })],
    [2, () => `{"type":"resize","cols":${r.pick(['NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '0x50', '080', '1_000', '+80', '.5', '8e1', '80.0', '1e2'])},"rows":${r.pick(['24', '1e2', '-0', '500.0000000000001'])}}`],
    [1, () => JSON.stringify({ type: 'resize', cols: r.int(-10, 1010), rows: r.int(-10, 510) })],
  ])();
}

/** Bytes a broken or hostile WebSocket client might send after the handshake. */
function garbageFrames(r: Rng): Buffer {
  const masked = (opcode: number, payload: Buffer, { fin = true, rsv = 0, lengthOverride }: { fin?: boolean; rsv?: number; lengthOverride?: Buffer } = {}) => {
    const mask = r.bytes(4);
    const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
    let length: Buffer;
    if (lengthOverride) length = lengthOverride;
    else if (payload.length < 126) length = Buffer.from([0x80 | payload.length]);
    else if (payload.length < 65536) length = Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    else {
      length = Buffer.alloc(9);
      length[0] = 0x80 | 127;
      length.writeBigUInt64BE(BigInt(payload.length), 1);
    }
    const body = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
    return Buffer.concat([Buffer.from(head), length, mask, body]);
  };
  return r.weighted<() => Buffer>([
    [3, () => r.bytes(r.int(1, 2000))],
    [1, () => Buffer.from([0x82, 0x05, 1, 2, 3, 4, 5])], // unmasked
    [1, () => masked(r.pick([0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]), r.bytes(r.int(0, 20)))], // reserved opcodes
    [1, () => masked(0x2, r.bytes(10), { rsv: r.int(1, 7) })], // RSV bits without an extension
    [1, () => masked(0x9, r.bytes(r.int(126, 300)))], // control frame over 125 bytes
    [1, () => masked(0x9, r.bytes(5), { fin: false })], // fragmented control frame
    [1, () => masked(0x0, r.bytes(5))], // continuation with nothing to continue
    [1, () => Buffer.concat([masked(0x1, Buffer.from('{"ty'), { fin: false }), masked(0x2, Buffer.from('pe"}'))])], // new frame inside a fragmented one
    [1, () => masked(0x8, (() => { const b = Buffer.alloc(2); b.writeUInt16BE(r.pick([0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535])); return b; })())], // invalid close codes
    [1, () => masked(0x8, Buffer.from([0x03]))], // one-byte close payload
    [1, () => masked(0x8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from([0xff, 0xfe])]))], // close reason not UTF-8
    [1, () => masked(0x1, Buffer.from([0xff, 0xfe, 0xc0, 0xaf]))], // text not UTF-8
    [1, () => { const length = Buffer.alloc(9); length[0] = 0x80 | 127; length.writeBigUInt64BE(2n ** 63n + 1n, 1); return Buffer.concat([Buffer.from([0x82]), length, r.bytes(4)]); }], // 64-bit length with the top bit set
    [1, () => { const length = Buffer.alloc(9); length[0] = 0x80 | 127; length.writeBigUInt64BE(2n ** 53n, 1); return Buffer.concat([Buffer.from([0x82]), length, r.bytes(4)]); }], // 2^53 bytes announced
    [1, () => Buffer.concat([Buffer.from([0x82, 0x80 | 126, 0x00, 0x05]), r.bytes(4), r.bytes(5)])], // 16-bit length for a short payload
  ])();
}

/** Handshake by hand on a raw socket, then garbage; answers how the server ended it. */
function rawGarbage(r: Rng, path: string): Promise<{ upgraded: boolean; closeCode?: number; ended: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    let received = Buffer.alloc(0);
    let upgraded = false;
    let settled = false;
    const finish = (ended: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const frames = upgraded ? received.subarray(received.indexOf('\r\n\r\n') + 4) : Buffer.alloc(0);
      // The server's frames are unmasked: find a close frame (0x88) and read its code.
      let closeCode: number | undefined;
      for (let at = 0; at + 1 < frames.length; ) {
        const opcode = frames[at] & 0x0f;
        let length = frames[at + 1] & 0x7f;
        let start = at + 2;
        if (length === 126) {
          length = frames.readUInt16BE(at + 2);
          start = at + 4;
        } else if (length === 127) {
          length = Number(frames.readBigUInt64BE(at + 2));
          start = at + 10;
        }
        if (opcode === 0x8 && length >= 2 && start + 2 <= frames.length) closeCode = frames.readUInt16BE(start);
        at = start + length;
      }
      resolve({ upgraded, closeCode, ended });
    };
    // Garbage that reads as the start of a long frame leaves the server waiting for the
    // rest, as it should: after 3 s we hang up ourselves.
    const timer = setTimeout(() => finish(false), 3_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded && received.includes('\r\n\r\n')) {
        upgraded = received.subarray(0, 12).toString() === 'HTTP/1.1 101';
        if (!upgraded) return finish(true);
        socket.write(garbageFrames(r));
      }
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.write(
      `GET ${path} HTTP/1.1\r\n` +
        `Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

// ---------------------------------------------------------------------------------

const failures: string[] = [];
function fail(message: string): void {
  if (failures.length < 200) failures.push(message);
}

const PLANNED: Record<string, number> = {
  'binary frames (random bytes)': 1500,
  'text frames (random UTF-8)': 1000,
  'text frames (not UTF-8: 1007)': 40,
  'invalid JSON': 1000,
  'JSON of wrong types': 1000,
  'absurd resize values': 1000,
  'frames near 4 MiB': 6,
  'frames over 4 MiB (1009)': 10,
  'rapid open/close': 100,
  'absurd query strings (400)': 400,
  'protocol garbage after the handshake': 150,
  "protocol garbage on the instructor's view": 30,
};

describe('the terminal WebSocket under fuzzing', () => {
  it('answers every bad frame with a reason or a close code, and hurts no one else', async () => {
    const started = Date.now();
    const rssBefore = process.memoryUsage().rss;

    // Binary frames are keystrokes: random bytes typed into a shell of the attacked
    // session. They may end that shell (Ctrl-D) or detach tmux: then a new socket.
    {
      const family = 'binary frames (random bytes)';
      const r = rng.fork(family);
      let socket = await attack(terminalUrl(target, 'fz-bin'));
      let reopened = 0;
      for (let i = 0; i < PLANNED[family]; i++) {
        if (socket.closed) {
          if (socket.closed.code !== 1000 && socket.closed.code !== 1005) fail(`${family}: closed with ${JSON.stringify(socket.closed)}`);
          socket = await attack(terminalUrl(target, 'fz-bin'));
          reopened++;
        }
        await send(socket.socket, r.bytes(r.length(512) + 1), true);
        tally.add(family);
      }
      socket.socket.close();
      console.log(`[fuzz] ${family}: the shell ended ${reopened} times, a new socket each time`);
    }

    // Text frames are control messages: each that is not one gets an error message.
    const textFamily = async (family: string, name: string, make: (r: Rng) => string) => {
      const r = rng.fork(family);
      const socket = await attack(terminalUrl(target, name));
      let expectedErrors = 0;
      for (let i = 0; i < PLANNED[family]; i++) {
        const text = make(r);
        if (parseControlMessage(text).type === 'invalid') expectedErrors++;
        await send(socket.socket, text, false);
        tally.add(family);
      }
      if (!(await socket.waitErrors(expectedErrors, 30_000))) fail(`${family}: ${socket.errors} error messages for ${expectedErrors} bad messages; closed: ${JSON.stringify(socket.closed)}`);
      if (socket.closed) fail(`${family}: the socket closed: ${JSON.stringify(socket.closed)}`);
      // A valid message still works on the same socket afterwards.
      await send(socket.socket, JSON.stringify({ type: 'resize', cols: 100, rows: 30 }), false);
      await send(socket.socket, '{"type":"nope"}', false);
      if (!(await socket.waitErrors(expectedErrors + 1, 10_000))) fail(`${family}: the socket stopped answering`);
      socket.socket.close();
      return expectedErrors;
    };
    await textFamily('text frames (random UTF-8)', 'fz-text', (r) => randomText(r, 300));
    await textFamily('invalid JSON', 'fz-json', (r) =>
      r.weighted<() => string>([
        [3, () => r.pick(INVALID_JSON)],
        [1, () => JSON.stringify({ type: 'resize', cols: 80, rows: 24 }).slice(0, r.int(1, 30))],
        [1, () => '['.repeat(r.int(1, 20_000))],
        [1, () => '{"a":'.repeat(r.int(1, 5000))],
      ])(),
    );
    await textFamily('JSON of wrong types', 'fz-types', (r) => JSON.stringify(wrongTypes(r)) ?? 'undefined');
    await textFamily('absurd resize values', 'fz-resize', resizeMessage);

    // Text that is not UTF-8: the protocol says close with 1007.
    {
      const family = 'text frames (not UTF-8: 1007)';
      const r = rng.fork(family);
      for (let i = 0; i < PLANNED[family]; i++) {
        const socket = await attack(terminalUrl(target, 'fz-utf8'));
        const bytes = Buffer.concat([r.bytes(r.int(0, 20)), Buffer.from(r.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe0, 0x80]]))]);
        await send(socket.socket, bytes, false);
        tally.add(family);
        const closed = await socket.waitClosed(10_000);
        if (closed?.code !== 1007) fail(`${family}: closed with ${JSON.stringify(closed)}, expected 1007`);
      }
    }

    // Frames near the limit are taken (a huge paste, a huge bad control message); over
    // it, that socket alone is closed with 1009. A bystander socket on the same session
    // keeps answering.
    {
      const bystander = await attack(terminalUrl(target, 'fz-bystander'));
      await attached(bystander);
      const near = 'frames near 4 MiB';
      const r = rng.fork(near);
      for (let i = 0; i < PLANNED[near]; i++) {
        const socket = await attack(terminalUrl(target, 'fz-near'));
        await attached(socket);
        const size = MAX_FRAME - r.int(0, 4096);
        if (i % 2 === 0) {
          await send(socket.socket, '{'.repeat(size), false);
          if (!(await socket.waitErrors(1, 30_000))) fail(`${near}: no error message for a ${size}-byte bad control message`);
        } else {
          // NUL bytes: typed, but they neither echo nor run anything.
          await send(socket.socket, Buffer.alloc(size), true);
        }
        tally.add(near);
        if (socket.closed) fail(`${near}: a ${size}-byte frame closed the socket: ${JSON.stringify(socket.closed)}`);
        socket.socket.terminate();
      }
      const over = 'frames over 4 MiB (1009)';
      const o = rng.fork(over);
      for (let i = 0; i < PLANNED[over]; i++) {
        // The first two arrive before the terminal is even attached.
        const socket = await attack(terminalUrl(target, 'fz-over'));
        if (i >= 2) await attached(socket);
        const size = MAX_FRAME + o.pick([1, 2, 1024, 1024 * 1024]);
        socket.socket.send(o.chance(0.5) ? Buffer.alloc(size, 0x61) : 'x'.repeat(size), { binary: i % 2 === 0 });
        tally.add(over);
        const closed = await socket.waitClosed(30_000);
        if (closed?.code !== 1009) fail(`${over}: a ${size}-byte frame closed with ${JSON.stringify(closed)}, expected 1009`);
      }
      await send(bystander.socket, '{"type":"bystander"}', false);
      if (!(await bystander.waitErrors(1, 10_000)) || bystander.closed) fail(`the bystander socket stopped answering: ${JSON.stringify(bystander.closed)}`);
      bystander.socket.close();
    }

    // Rapid open/close: before the handshake ends, right after it, after attaching.
    {
      const family = 'rapid open/close';
      const r = rng.fork(family);
      const openBefore = server.app.openTerminals.count();
      await Promise.all(
        Array.from({ length: PLANNED[family] }, async (_, i) => {
          const when = r.pick(['connecting', 'open', 'message']);
          const socket = await attack(terminalUrl(target, `fz-rapid-${i % 5}`), { waitOpen: false }).catch(() => undefined);
          if (!socket) return;
          if (when === 'connecting') socket.socket.terminate();
          else {
            await new Promise<void>((open) => {
              if (socket.socket.readyState === WebSocket.OPEN) open();
              socket.socket.once('open', () => open());
              socket.socket.once('close', () => open());
              socket.socket.once('error', () => open());
            });
            if (when === 'message' && socket.socket.readyState === WebSocket.OPEN) socket.socket.send('{"type":"ping"}');
            socket.socket[r.chance(0.5) ? 'close' : 'terminate']();
          }
          tally.add(family);
        }),
      );
      // Every one of them is let go by the server (no terminal left open).
      const deadline = Date.now() + 20_000;
      while (server.app.openTerminals.count() > openBefore && Date.now() < deadline) await new Promise((wait) => setTimeout(wait, 100));
      if (server.app.openTerminals.count() > openBefore) fail(`${family}: ${server.app.openTerminals.count() - openBefore} sockets still open on the server`);
    }

    // Absurd query strings on the upgrade: refused before any terminal opens.
    {
      const family = 'absurd query strings (400)';
      const r = rng.fork(family);
      const base = `${server.url.replace(/^http/, 'ws')}/api/sessions/${target.id}/terminal?token=${encodeURIComponent(target.token)}`;
      const bad = (values: string[]) => r.pick(values);
      for (let i = 0; i < PLANNED[family]; i++) {
        const which = r.pick(['cols', 'rows', 'name', 'several']);
        const cols = which === 'cols' || which === 'several' ? bad(['-1', '0', '1001', '1e9', '-1e9', 'NaN', 'Infinity', 'abc', '1.5', '', '1e4', '%00', '80abc', '9'.repeat(400), '0x3e9', '[80]', '1,5']) : String(r.int(1, 1000));
        const rows = which === 'rows' || which === 'several' ? bad(['-1', '0', '501', '1e9', 'NaN', '-Infinity', 'x', '24.5', '', '%20', '5%30%31', '9'.repeat(400)]) : String(r.int(1, 500));
        const name = which === 'name' || which === 'several' ? bad(['', 'a'.repeat(33), '../x', '..', 'a b', 'a%20b', '%00', 'é', '%E0%A4%A', 'main;rm', '$(id)', 'a/b', '.', '-'.repeat(33), 'x'.repeat(2000)]) : 'fz-query';
        const url = `${base}&cols=${cols}&rows=${rows}&name=${name}${r.chance(0.2) ? '&cols=80&rows=24&name=main' : ''}`;
        const answer = await upgrade(url);
        tally.add(family);
        if (answer.status !== 400 || !answer.error) fail(`${family}: ${url.slice(base.length)} answered ${answer.status} ${answer.error ?? '(no reason)'}`);
      }
      // And the tokens and ids around it: 401 without a token, 404 with a wrong one.
      for (const [url, status] of [
        [`${server.url.replace(/^http/, 'ws')}/api/sessions/${target.id}/terminal`, 401],
        [`${server.url.replace(/^http/, 'ws')}/api/sessions/${target.id}/terminal?token=${encodeURIComponent(victim.token)}`, 404],
        [`${server.url.replace(/^http/, 'ws')}/api/sessions/${victim.id}/terminal?token=${encodeURIComponent(target.token)}`, 404],
        [`${server.url.replace(/^http/, 'ws')}/api/sessions/${'x'.repeat(65)}/terminal?token=x`, 404],
        [`${server.url.replace(/^http/, 'ws')}/api/sessions/${target.id}/terminal/x?token=${encodeURIComponent(target.token)}`, 404],
      ] as const) {
        const answer = await upgrade(url);
        if (answer.status !== status || !answer.error) fail(`upgrade ${url.slice(0, 120)}: ${answer.status}, expected ${status} with a reason`);
      }
    }

    // Garbage after a good handshake: broken frames of every kind, on the learner's
    // terminal and on the instructor's read-only view of it.
    for (const [family, watch] of [
      ['protocol garbage after the handshake', false],
      ["protocol garbage on the instructor's view", true],
    ] as const) {
      const r = rng.fork(family);
      const closes: Record<string, number> = {};
      const openBefore = server.app.openTerminals.count();
      const jobs = Array.from({ length: PLANNED[family] }, (_, i) => ({ r: r.fork(String(i)), i }));
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < jobs.length) {
            const job = jobs[next++];
            const path = watch ? watchPath : `/api/sessions/${target.id}/terminal?token=${encodeURIComponent(target.token)}&name=fz-raw-${job.i % 4}&cols=80&rows=24`;
            const result = await rawGarbage(job.r, path);
            tally.add(family);
            if (!result.upgraded) fail(`${family} #${job.i}: the handshake was refused`);
            const key = result.closeCode ? `closed ${result.closeCode}` : result.ended ? 'dropped' : 'waiting for more';
            closes[key] = (closes[key] ?? 0) + 1;
          }
        }),
      );
      console.log(`[fuzz] ${family}: how the server ended them ${JSON.stringify(closes)}`);
      // None is left open on the server once we hang up.
      const deadline = Date.now() + 20_000;
      while (server.app.openTerminals.count() > openBefore && Date.now() < deadline) await new Promise((wait) => setTimeout(wait, 100));
      if (server.app.openTerminals.count() > openBefore) fail(`${family}: ${server.app.openTerminals.count() - openBefore} sockets still open on the server`);
    }

    const rssAfter = process.memoryUsage().rss;
    console.log(tally.table(`terminal WebSocket: ${tally.total()} inputs in ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${seed}`));
    console.log(`[fuzz] terminal WebSocket: RSS of the process serving (and sending) it all: ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, ${(rssAfter / 2 ** 20).toFixed(0)} MiB after`);
    if (failures.length) console.error(`[fuzz] terminal WebSocket failures (seed ${seed}):\n${failures.join('\n')}`);
    expect(failures.length, `${failures.length} failures, seed ${seed}; first: ${failures[0]}`).toBe(0);
    for (const [family, planned] of Object.entries(PLANNED)) expect(tally.get(family), family).toBe(planned);
    expect(tally.total()).toBe(6236);
  }, 240_000);

  it('leaves the server up, the victim echoing and the attacked session usable', async () => {
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    expect(victimClosed, 'the victim terminal was closed').toBeUndefined();
    let started = Date.now();
    expect(await victimTerminal.run('echo "marker=$MARKER"')).toContain(`marker=${marker}`);
    const victimMs = Date.now() - started;
    started = Date.now();
    const fresh = await server.client.openTerminal(target.id, target.token, `fresh-${seed % 1000}`);
    await fresh.waitFor('drydock');
    expect(await fresh.run('echo "sum=$((6 * 7))"')).toContain('sum=42');
    console.log(`[fuzz] terminal WebSocket: the victim echoed in ${victimMs} ms; a fresh terminal of the attacked session ran a command in ${Date.now() - started} ms`);
    await fresh.close();
    expect((await server.client.session(target.id, target.token)).body.state).toBe('ready');
  });
});
