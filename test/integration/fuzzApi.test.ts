// Fuzzing the HTTP API of a real server: thousands of generated requests at every route
// family (sessions, lessons, progress, the learner, classrooms, joins, the instructor's
// routes) with random and odd methods, bad and overlong ids, percent-encoding garbage,
// bad, missing and huge tokens and cookies, invalid, mistyped, deeply nested and
// oversized bodies, wrong content types, malformed HTTP and slow partial requests.
//
// Every answer must be a 4xx with a JSON { error } giving a reason (legitimate requests
// may succeed; 503 only for capacity, 502 only from the attacker's own port preview);
// never a 5xx, never silence, never a hang. A victim (a ready session whose terminal
// holds a marker, a classroom and a learner in it) is never reached with anything the
// attacker sends, and still works afterwards; the server stays up and its memory
// bounded. Requests are written on raw sockets, so nothing on the client side cleans
// them up first.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/testServer.js';
import type { CreatedSession, TerminalClient } from '../support/drydockClient.js';
import { FuzzTally, fuzzSeed, Rng } from '../support/fuzzRandom.js';

const seed = fuzzSeed('HTTP API');
const rng = new Rng(seed);

// ---------------------------------------------------------------------------------
// A raw HTTP/1.1 exchange: bytes out (with pauses), one answer back.

interface RawAnswer {
  status?: number;
  headers: Record<string, string>;
  body: string;
  error?: string;
  timedOut?: boolean;
  ms: number;
}

/** Writes each Buffer (a number is a pause in ms), reads one answer, closes. */
function exchange(port: number, parts: (Buffer | number)[], options: { timeoutMs: number; head?: boolean }): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    let headEnd = -1;
    let answer: RawAnswer = { headers: {}, body: '', ms: 0 };
    const finish = (extra: Partial<RawAnswer> = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (headEnd >= 0) answer.body = decodeBody(answer.headers, received.subarray(headEnd + 4));
      resolve({ ...answer, ...extra, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), options.timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (headEnd < 0) {
        headEnd = received.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const [statusLine, ...headerLines] = received.subarray(0, headEnd).toString('latin1').split('\r\n');
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
        answer = { ...answer, status: status ? Number(status[1]) : undefined, headers: {} };
        for (const line of headerLines) {
          const colon = line.indexOf(':');
          if (colon > 0) answer.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
      }
      const body = received.subarray(headEnd + 4);
      const length = answer.headers['content-length'];
      if (options.head || answer.status === 204 || answer.status === 304) return finish();
      if ((answer.headers['content-type'] ?? '').startsWith('text/event-stream')) return finish();
      if (length !== undefined && body.length >= Number(length)) return finish();
      if (answer.headers['transfer-encoding'] === 'chunked' && body.includes('0\r\n\r\n')) return finish();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the answer arrived (the server closed while we still sent) is fine.
      if (headEnd >= 0) finish();
      else finish({ error: error.code ?? error.message });
    });
    socket.on('end', () => finish(headEnd < 0 ? { error: 'closed without an answer' } : {}));
    void (async () => {
      for (const part of parts) {
        if (settled || socket.destroyed) return;
        if (typeof part === 'number') await new Promise((wait) => setTimeout(wait, part));
        else socket.write(part);
      }
    })();
  });
}

function decodeBody(headers: Record<string, string>, raw: Buffer): string {
  if (headers['transfer-encoding'] !== 'chunked') return raw.toString('utf8');
  const out: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) break;
    out.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out).toString('utf8');
}

type Header = [string, string | Buffer];

/** One request's bytes: request line, Host, Connection: close, the headers, the body. */
function requestBytes(method: string, target: string, headers: Header[], body?: Buffer, options: { contentLength?: boolean } = {}): Buffer {
  const lines: Buffer[] = [Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`, 'latin1')];
  for (const [name, value] of headers) lines.push(Buffer.concat([Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'), Buffer.from('\r\n')]));
  if (body && options.contentLength !== false) lines.push(Buffer.from(`Content-Length: ${body.length}\r\n`));
  lines.push(Buffer.from('\r\n'));
  if (body) lines.push(body);
  return Buffer.concat(lines);
}

// ---------------------------------------------------------------------------------
// The pieces requests are made of.

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
/** Methods Node's parser knows but no route of Drydock uses. */
const ODD_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'PURGE', 'SEARCH', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACL', 'BIND', 'REBIND', 'UNBIND', 'LINK', 'UNLINK', 'SOURCE', 'QUERY', 'MKCALENDAR', 'TRACE'];
const PERCENT_GARBAGE = ['%', '%Z', '%ZZ', '%E0%A4%A', '%C0%AF', '%00', '%2F', '%2e%2e', '%u0041', '%%', '%FF', '%F0%9F%98', '%0A', '%0D%0A', '%20', '%7B%7D', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%ED%A0%80'];
const SEGMENT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&\'()*+,;=:@';

function method(r: Rng): string {
  return r.weighted<() => string>([
    [6, () => r.pick(METHODS)],
    [2, () => r.pick(ODD_METHODS)],
  ])();
}

function segment(r: Rng): string {
  return r.weighted<() => string>([
    [4, () => r.string(r.int(1, 24), SEGMENT_CHARS)],
    [2, () => r.pick(PERCENT_GARBAGE)],
    [1, () => r.string(r.int(1, 8), SEGMENT_CHARS) + r.pick(PERCENT_GARBAGE) + r.string(r.int(0, 8), SEGMENT_CHARS)],
    [1, () => r.pick(['..', '.', '', '%2e%2e', 'null', 'undefined', '__proto__', 'constructor', 'prototype', '0', '-1', '1e309', 'NaN', '[]', '{}'])],
    [1, () => 'a'.repeat(r.int(60, 70))],
    [1, () => r.string(r.int(200, 4000), SEGMENT_CHARS)],
    [1, () => Buffer.from(r.bytes(r.int(1, 6)).map((byte) => 0x80 | byte)).toString('latin1')],
  ])();
}

function id(r: Rng, real: string[]): string {
  return r.weighted<() => string>([
    [3, () => r.pick(real)],
    [2, () => r.string(r.int(1, 64), 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-')],
    [1, () => r.pick(real).slice(0, -1) + r.pick(['A', 'z', '_', '-'])],
    [1, () => r.pick(real) + r.pick(['', '/', '//', '/.', '%2F', '%00', '.json'])],
    [2, () => segment(r)],
  ])();
}

/** What a platform sends to begin a login, right and wrong (no platform is registered). */
function loginParams(r: Rng): Record<string, string> {
  const params: Record<string, string> = {};
  for (const key of ['iss', 'login_hint', 'target_link_uri', 'lti_message_hint', 'client_id', 'lti_deployment_id']) {
    if (r.chance(0.7)) params[key] = r.pick(['https://lms.example', 'http://127.0.0.1:1', '', 'x'.repeat(r.int(1, 3000)), segment(r), r.string(r.int(1, 40))]);
  }
  return params;
}

/** Something shaped like a JWT: real-looking headers (alg none, unknown kid), junk payloads and signatures. */
function fakeJwt(r: Rng): string {
  const part = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const header = r.pick<unknown>([{ alg: 'RS256', kid: r.string(8, SEGMENT_CHARS), typ: 'JWT' }, { alg: 'none' }, { alg: 'HS256' }, {}, 'not json', jsonValue(r, 0)]);
  const payload = r.pick<unknown>([{ iss: 'https://lms.example', aud: 'x', sub: '1', exp: 9e9, nonce: 'n' }, { pick: { platformId: 'x' }, aud: 'drydock:deep-link-pick' }, jsonValue(r, 0), 'x'.repeat(r.int(0, 2000))]);
  return `${part(header)}.${part(payload)}.${r.string(r.int(0, 342), 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-')}`;
}

function query(r: Rng, extra: string[] = []): string {
  if (r.chance(0.6)) return '';
  const pairs = Array.from({ length: r.int(1, 4) }, () =>
    r.weighted<() => string>([
      [2, () => `token=${r.pick([...extra, '', r.string(43, SEGMENT_CHARS), r.pick(PERCENT_GARBAGE), 'x'.repeat(r.int(100, 5000))])}`],
      [1, () => `path=${r.pick(['../../etc/passwd', '/etc/shadow', '%2e%2e/x', '', 'a'.repeat(300), r.pick(PERCENT_GARBAGE)])}`],
      [1, () => `${segment(r)}=${segment(r)}`],
      [1, () => r.pick(['&', '&&', '=', '==', '?', '#frag', r.pick(PERCENT_GARBAGE)])],
    ])(),
  );
  return `?${pairs.join('&')}`;
}

/** A credential: right shape and wrong value, near misses of a real one, absurd sizes. */
function credential(r: Rng, nearMissesOf: string[]): string {
  return r.weighted<() => string>([
    [2, () => r.string(43, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-')],
    [2, () => nearMiss(r, r.pick(nearMissesOf))],
    [1, () => r.pick(['', ' ', 'null', 'undefined', 'Bearer', '.', '..', 'a.b', 'a.b.c', 'x'.repeat(64) + '.y', 'x'.repeat(65) + '.y', '%00', '\t'])],
    [1, () => r.string(r.int(1, 200))],
    [1, () => 'k'.repeat(r.int(1000, 12_000))],
    [1, () => r.pick(PERCENT_GARBAGE)],
  ])();
}

/** One character off, one short, one long, case-flipped, or padded: never the secret itself. */
function nearMiss(r: Rng, secret: string): string {
  const at = r.int(0, secret.length - 1);
  const variants = [
    secret.slice(0, at) + (secret[at] === 'A' ? 'B' : 'A') + secret.slice(at + 1),
    secret.slice(0, -1),
    secret + r.pick(['A', '=', '.', '0']),
    secret.toUpperCase() === secret ? secret.toLowerCase() : secret.toUpperCase(),
    secret.slice(1),
    secret.split('').reverse().join(''),
    secret.repeat(2),
  ];
  const chosen = r.pick(variants);
  return chosen === secret ? secret + 'x' : chosen;
}

function authHeaders(r: Rng, tokens: { good?: string[]; nearMisses: string[] }): Header[] {
  const headers: Header[] = [];
  const cred = () => (tokens.good && r.chance(0.3) ? r.pick(tokens.good) : credential(r, tokens.nearMisses));
  r.weighted<() => void>([
    [2, () => undefined],
    [5, () => headers.push(['Authorization', `Bearer ${cred()}`])],
    [1, () => headers.push(['Authorization', r.pick(['Bearer', 'Bearer ', 'bearer ' + cred(), 'Basic ' + Buffer.from('a:b').toString('base64'), 'Token ' + cred(), cred(), 'Bearer  ' + cred() + '  ', 'Bearer ' + cred() + ', Bearer ' + cred()])])],
    [2, () => headers.push(['Cookie', cookie(r, cred)])],
    [1, () => {
      headers.push(['Authorization', `Bearer ${cred()}`]);
      headers.push(['Cookie', cookie(r, cred)]);
    }],
  ])();
  return headers;
}

function cookie(r: Rng, cred: () => string): string {
  const one = () =>
    r.weighted<() => string>([
      [3, () => `drydock_learner=${encodeURIComponent(cred())}`],
      [2, () => `drydock_preview=${r.chance(0.5) ? encodeURIComponent(cred()) : r.pick(PERCENT_GARBAGE)}`],
      [2, () => `drydock_learner=${r.pick(PERCENT_GARBAGE)}${r.string(r.int(0, 10), SEGMENT_CHARS)}`],
      [1, () => r.pick(['', ';', ';;;', '=', '==', 'drydock_learner', 'drydock_learner=', '=value', 'a=b=c', '__proto__=x', 'drydock_learner="quoted"'])],
      [1, () => `${segment(r)}=${segment(r)}`],
    ])();
  return Array.from({ length: r.int(1, 4) }, one).join(r.pick(['; ', ';', ' ; ', ', ']));
}

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '', '*/*', 'application/json; charset=utf-16', 'x'.repeat(500), 'application/octet-stream'];

/** A body: none, random JSON, right keys with wrong types, invalid JSON, nesting, binary. */
function body(r: Rng, keys: string[]): Buffer | undefined {
  return r.weighted<() => Buffer | undefined>([
    [2, () => undefined],
    [1, () => Buffer.alloc(0)],
    [4, () => Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: r.int(0, 5) }, () => [r.chance(0.7) ? r.pick(keys) : segment(r), jsonValue(r, 0)]))))],
    [2, () => Buffer.from(JSON.stringify(jsonValue(r, 0)))],
    [2, () => Buffer.from(r.pick(INVALID_JSON))],
    [1, () => Buffer.from(nested(r))],
    [1, () => r.bytes(r.int(1, 2000))],
    [1, () => Buffer.from(JSON.stringify({ [r.pick(keys)]: 'x'.repeat(r.int(1000, 60_000)) }))],
    [1, () => Buffer.from('\ufeff' + JSON.stringify({ [r.pick(keys)]: jsonValue(r, 0) }))],
    [1, () => Buffer.from(JSON.stringify({ [r.pick(keys)]: jsonValue(r, 0) }), 'utf16le')],
  ])();
}

const INVALID_JSON = [
  '{', '}', '[', '{"a":', '{"a":1,}', "{'a':1}", '{a:1}', 'NaN', '{"a":NaN}', '{"a":Infinity}', '// comment\n{}', '{"a":1}{"b":2}',
  '{"a":1} trailing', '"\\ud800"', '{"a":"\\u00"}', 'undefined', 'null', 'true', '42', '"text"', '[]', '[1,2]', '\u0000', '{"a":"\u0000"}',
  '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}', '{"name":"x","name":"y"}', '{"a":1e999}', '{"a":-0}', '{"a":0x10}',
  '{"a":"' + '\\'.repeat(101) + '"}', ' '.repeat(3000), '\r\n\r\n', '{"a":1}\u0000',
];

function jsonValue(r: Rng, depth: number): unknown {
  return r.weighted<() => unknown>([
    [3, () => r.pick(['sample', 'version', 'web', 'Room', 'x', '', ' ', 'sample/../x', '2026-01-01T00:00:00Z', 'not a date', '0', '-1', '\u0000', '😀', '\u202e', 'a'.repeat(100)])],
    [2, () => r.pick([0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53 + 1, 1e-320, 500, 501, 1000, 1001, 30, 65535])],
    [1, () => r.chance(0.5)],
    [1, () => null],
    [1, () => r.string(r.int(0, 100))],
    [depth < 3 ? 1 : 0, () => Array.from({ length: r.int(0, 5) }, () => jsonValue(r, depth + 1))],
    [depth < 3 ? 1 : 0, () => Object.fromEntries(Array.from({ length: r.int(0, 4) }, () => [r.pick(['lesson', 'step', 'points', 'name', 'a', '__proto__', 'toString']), jsonValue(r, depth + 1)]))],
  ])();
}

function nested(r: Rng): string {
  const depth = r.int(100, 30_000);
  return r.weighted<() => string>([
    [1, () => '['.repeat(depth) + ']'.repeat(depth)],
    [1, () => '{"a":'.repeat(Math.min(depth, 12_000)) + '1' + '}'.repeat(Math.min(depth, 12_000))],
    [1, () => '['.repeat(depth)],
    [1, () => `{"name":${'['.repeat(Math.min(depth, 20_000))}${']'.repeat(Math.min(depth, 20_000))}}`],
  ])();
}

function contentHeaders(r: Rng, payload: Buffer | undefined): Header[] {
  if (!payload || r.chance(0.2)) return [];
  return [['Content-Type', r.chance(0.6) ? 'application/json' : r.pick(CONTENT_TYPES)]];
}

// ---------------------------------------------------------------------------------
// The server, the victim and the attacker.

let server: TestServer;
let port: number;
let victim: CreatedSession;
let victimTerminal: TerminalClient;
const marker = `fuzz-victim-${seed.toString(36)}`;
let attacker: CreatedSession;
let victimRoom: { id: string; code: string; instructorToken: string };
let attackerRoom: { id: string; code: string; instructorToken: string };
let lobby: { id: string; code: string; instructorToken: string };
let victimLearner: { learnerId: string; token: string };
let attackerLearner: string;

async function call(method: string, route: string, token?: string, payload?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(server.url + route, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
}

async function classroom(name: string, maxLearners: number) {
  const created = await call('POST', '/api/classrooms', undefined, { name, lessons: ['sample'], maxLearners });
  expect(created.status).toBe(201);
  return created.json as { id: string; code: string; instructorToken: string };
}

beforeAll(async () => {
  // Two sessions fill the server: every generated POST /api/sessions meets the cap (503),
  // so the fuzz never starts sandboxes. Creation rate limits are lifted so the fuzz
  // reaches the body parsers instead of meeting 429.
  server = await startTestServer({ maxSessions: 2, rateLimitAddressPerMinute: 1_000_000, rateLimitLearnerPerMinute: 1_000_000 });
  port = Number(new URL(server.url).port);
  [victim, attacker] = await Promise.all([server.client.createSession(), server.client.createSession()]);
  await Promise.all([server.client.waitReady(victim.id, victim.token), server.client.waitReady(attacker.id, attacker.token)]);
  victimTerminal = await server.client.openTerminal(victim.id, victim.token);
  await victimTerminal.waitFor('drydock');
  await victimTerminal.run(`export MARKER=${marker}`);

  [victimRoom, attackerRoom, lobby] = await Promise.all([classroom('Victim room', 30), classroom('Attacker room', 5), classroom('Lobby', 2)]);
  const joined = await call('POST', `/api/classrooms/${victimRoom.code}/join`, undefined, { name: 'Victim' });
  expect(joined.status).toBe(201);
  victimLearner = joined.json;
  const me = await call('GET', '/api/me');
  attackerLearner = me.headers.get('set-cookie')!.split(';')[0].split('=')[1];
}, 300_000);

afterAll(async () => {
  await victimTerminal?.close();
  await server?.close();
});

// ---------------------------------------------------------------------------------
// Families of generated requests.

interface Probe {
  family: string;
  parts: (Buffer | number)[];
  head: boolean;
  /** Aimed at the victim with anything but the victim's secrets: must be refused. */
  victim: boolean;
  /** 5xx statuses this request may legitimately get (with a JSON reason). */
  allow5xx: number[];
  /** The one status this request must get. */
  expect?: number;
  timeoutMs?: number;
  describe: string;
}

function probe(family: string, m: string, target: string, headers: Header[], payload: Buffer | undefined, extra: Partial<Probe> = {}): Probe {
  return { family, parts: [requestBytes(m, target, headers, payload)], head: m === 'HEAD', victim: false, allow5xx: [], describe: `${m} ${target.slice(0, 160)}`, ...extra };
}

function families(): Record<string, { planned: number; concurrency: number; make: (r: Rng) => Probe }> {
  const victimSecrets = [victim.token, victimRoom.instructorToken, victimLearner.token];
  const attackerTokens = [attacker.token, attackerRoom.instructorToken, lobby.instructorToken, attackerLearner];
  const sessionRest = (r: Rng) =>
    r.pick([
      '', '', '/', '/ports', '/ports/80', '/ports/8080/', '/ports/0', '/ports/65536', '/ports/99999/x', '/ports/80/a/../../..', '/terminal', '/checks', '/steps', '/reset', '/solve', '/extend', '/upload',
      '/files', '/file', `/${segment(r)}`, `/${segment(r)}/${segment(r)}`, '//', '/..', '/%2e%2e/%2e%2e/api/health', `/ports/${r.int(1, 65535)}/${segment(r)}`,
    ]);
  return {
    'sessions: the victim, wrong tokens': {
      planned: 2500,
      concurrency: 24,
      make: (r) => {
        const m = method(r);
        const payload = body(r, ['lesson', 'step', 'content', 'path']);
        return probe('sessions: the victim, wrong tokens', m, `/api/sessions/${victim.id}${sessionRest(r)}${query(r, [nearMiss(r, victim.token), attacker.token])}`, [...authHeaders(r, { good: [attacker.token], nearMisses: victimSecrets }), ...contentHeaders(r, payload)], payload, { victim: true });
      },
    },
    'sessions: other ids and the collection': {
      planned: 1500,
      concurrency: 24,
      make: (r) => {
        const m = r.chance(0.3) ? 'POST' : method(r);
        const payload = body(r, ['lesson', 'step', 'id', 'token']);
        const target = r.chance(0.3) ? `/api/sessions${r.pick(['', '/', '?x=1', '//', '/%00'])}` : `/api/sessions/${id(r, ['x', 'a'.repeat(64)])}${sessionRest(r)}${query(r, [attacker.token])}`;
        // POST /api/sessions meets the cap of two sessions: 503 with the reason.
        return probe('sessions: other ids and the collection', m, target, [...authHeaders(r, { good: attackerTokens, nearMisses: victimSecrets }), ...contentHeaders(r, payload)], payload, { allow5xx: [503] });
      },
    },
    "sessions: the attacker's own, bad input": {
      planned: 600,
      concurrency: 6,
      make: (r) => {
        const route = r.weighted<() => [string, string, Buffer | undefined]>([
          [3, () => [r.pick(['POST', 'POST', 'GET', 'PUT']), r.pick(['/checks', '/steps']), r.chance(0.97) ? body(r, ['lesson', 'step']) : Buffer.from(JSON.stringify({ lesson: 'sample', step: r.pick([0, 'version', 5, -1, '99']) }))]],
          [2, () => ['GET', `/files?path=${r.pick(['../..', '/etc', '..', '%2e%2e', 'a/../../b', "'$(id)'", '`id`', 'x'.repeat(500), r.pick(PERCENT_GARBAGE)])}`, undefined]],
          [2, () => ['GET', `/file?path=${r.pick(['../../etc/passwd', '/etc/shadow', '', '.', 'a//b', "a'b", '$(reboot)', r.pick(PERCENT_GARBAGE)])}`, undefined]],
          [2, () => ['PUT', `/file?path=${r.pick(['', '../x', '/etc/passwd', 'ok.txt', 'dir/', "it's.txt"])}`, body(r, ['content', 'path'])]],
          [1, () => [method(r), `/ports/${r.pick(['80', '1', '65535', '0', '70000', '00080'])}/${segment(r)}`, body(r, ['x'])]],
          [1, () => [r.pick(ODD_METHODS), sessionRest(r), body(r, ['lesson'])]],
          [1, () => ['GET', r.pick(['', '/ports']), undefined]],
        ])();
        const [m, rest, payload] = route;
        const target = `/api/sessions/${attacker.id}${rest}`;
        // Its own port preview answers 502 when nothing listens in the sandbox.
        return probe("sessions: the attacker's own, bad input", m, target, [['Authorization', `Bearer ${attacker.token}`], ...contentHeaders(r, payload)], payload, { allow5xx: rest.startsWith('/ports/') ? [502] : [], timeoutMs: 30_000 });
      },
    },
    lessons: {
      planned: 2000,
      concurrency: 24,
      make: (r) => {
        const m = r.chance(0.6) ? 'GET' : method(r);
        const target = r.weighted<() => string>([
          [1, () => '/api/lessons'],
          [3, () => `/api/lessons/${r.chance(0.3) ? 'sample' : segment(r)}`],
          [1, () => `/api/lessons/${segment(r)}/${segment(r)}`],
          [1, () => `/api/lessons${r.pick(['/', '//', '/%2e%2e', '/sample/', '/sample%00', '/sample?x', '/%73ample'])}`],
        ])();
        const payload = body(r, ['id']);
        return probe('lessons', m, target + query(r), [...authHeaders(r, { good: attackerTokens, nearMisses: victimSecrets }), ...contentHeaders(r, payload)], payload);
      },
    },
    progress: {
      planned: 2000,
      concurrency: 24,
      make: (r) => {
        const m = r.chance(0.5) ? 'PUT' : method(r);
        const target = r.chance(0.2) ? '/api/progress' : `/api/progress/${r.chance(0.4) ? 'sample' : segment(r)}`;
        const payload = r.chance(0.5) ? Buffer.from(JSON.stringify({ current: jsonValue(r, 0) })) : body(r, ['current', 'lesson']);
        return probe('progress', m, target + query(r), [...authHeaders(r, { good: [attackerLearner], nearMisses: victimSecrets }), ...contentHeaders(r, payload)], payload);
      },
    },
    'the learner: /api/me and its events': {
      planned: 2000,
      concurrency: 24,
      make: (r) => {
        const m = r.chance(0.6) ? 'GET' : method(r);
        const path = r.pick(['/api/me', '/api/me/events', '/api/me/', '/api/me/events/', '/api/me/x', '/api/me%2Fevents', '/api/me/sandboxes', `/api/me/sandboxes/${victim.id}`, `/api/me/sandboxes/${segment(r)}`]);
        const target = `${path}${query(r, [attackerLearner, nearMiss(r, victimLearner.token)])}`;
        const payload = body(r, ['name']);
        // Closing the victim's sandbox as another learner must be refused.
        return probe('the learner: /api/me and its events', m, target, [...authHeaders(r, { good: [attackerLearner], nearMisses: victimSecrets }), ...contentHeaders(r, payload)], payload, { victim: path.includes(victim.id) });
      },
    },
    'lti: login, launch, keys and picks': {
      planned: 1500,
      concurrency: 24,
      make: (r) => {
        const m = r.chance(0.7) ? r.pick(['GET', 'POST']) : method(r);
        const target = r.weighted<() => string>([
          [3, () => `/lti/login${r.chance(0.7) ? `?${new URLSearchParams(loginParams(r))}` : query(r)}`],
          [3, () => `/lti/launch${query(r)}`],
          [1, () => r.pick(['/lti/jwks', '/lti/config.json', '/lti/', '/lti', '/lti/jwks/x', '/lti/launch/', '/lti/login%00'])],
          [2, () => `/api/lti/picks/${r.pick([fakeJwt(r), segment(r), 'a.b.c', ''])}`],
        ])();
        const form = target.startsWith('/lti/') && r.chance(0.6);
        const payload = form ? Buffer.from(new URLSearchParams({ id_token: fakeJwt(r), state: r.string(r.int(0, 64), SEGMENT_CHARS), ...(r.chance(0.3) ? loginParams(r) : {}) }).toString()) : body(r, ['lesson', 'classroom', 'newClassroom', 'id_token', 'state', 'JWT']);
        const headers: Header[] = form ? [['Content-Type', 'application/x-www-form-urlencoded']] : contentHeaders(r, payload);
        return probe('lti: login, launch, keys and picks', m, target, [...headers, ...authHeaders(r, { good: attackerTokens, nearMisses: victimSecrets })], payload);
      },
    },
    'classrooms: create': {
      planned: 2500,
      concurrency: 24,
      make: (r) => {
        const m = r.chance(0.8) ? 'POST' : method(r);
        const payload = r.weighted<() => Buffer | undefined>([
          [4, () => Buffer.from(JSON.stringify(classroomBody(r)))],
          [3, () => body(r, ['name', 'lessons', 'exercises', 'graded', 'allowRun', 'maxLearners', 'opensAt', 'closesAt'])],
        ])();
        return probe('classrooms: create', m, `/api/classrooms${r.pick(['', '', '', '/', '?x=1', '//'])}`, [...authHeaders(r, { nearMisses: victimSecrets }), ...contentHeaders(r, payload)], payload);
      },
    },
    'classrooms: join': {
      planned: 2000,
      concurrency: 24,
      make: (r) => {
        const m = r.chance(0.6) ? 'POST' : method(r);
        const code = r.weighted<() => string>([
          [2, () => lobby.code],
          [1, () => lobby.code.toLowerCase()],
          [2, () => r.string(6, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789')],
          [2, () => segment(r)],
        ])();
        const payload = r.chance(0.6) ? Buffer.from(JSON.stringify({ name: r.chance(0.5) ? displayName(r) : jsonValue(r, 0) })) : body(r, ['name']);
        return probe('classrooms: join', m, `/api/classrooms/${code}/join${r.pick(['', '', '/', '/x'])}${query(r)}`, [...authHeaders(r, { nearMisses: victimSecrets }), ...contentHeaders(r, payload)], payload);
      },
    },
    "classrooms: the instructor's routes, bad tokens": {
      planned: 3000,
      concurrency: 24,
      make: (r) => {
        const m = method(r);
        const room = r.weighted<() => string>([
          [3, () => victimRoom.id],
          [1, () => attackerRoom.id],
          [2, () => id(r, [victimRoom.id, victimRoom.code])],
        ])();
        const rest = r.pick(['', '', '/events', '/grades.csv', '/grades.json', '/broadcast', '/gradebook/send-again', `/learners/${r.pick([victimLearner.learnerId, segment(r)])}/${r.pick(['checks', 'reset', 'terminal', segment(r)])}`, `/${segment(r)}`, '/grades.xml', '/learners', '/learners/']);
        const payload = body(r, ['message', 'name', 'closesAt', 'lesson', 'step']);
        // Anything but the rooms' own instructor tokens: the victim's never, near misses of it, the attacker's.
        const target = `/api/classrooms/${room}${rest}${query(r, [nearMiss(r, victimRoom.instructorToken), ...(room === attackerRoom.id ? [] : [attackerRoom.instructorToken])])}`;
        return probe("classrooms: the instructor's routes, bad tokens", m, target, [...authHeaders(r, { good: room === attackerRoom.id ? undefined : [attackerRoom.instructorToken, lobby.instructorToken], nearMisses: victimSecrets }), ...contentHeaders(r, payload)], payload, { victim: target.includes(victimRoom.id) });
      },
    },
    "classrooms: the attacker's own room, bad input": {
      planned: 500,
      concurrency: 12,
      make: (r) => {
        const [m, rest, payload] = r.weighted<() => [string, string, Buffer | undefined]>([
          [3, () => ['PATCH', '', r.chance(0.5) ? Buffer.from(JSON.stringify(classroomBody(r, true))) : body(r, ['name', 'closesAt', 'maxLearners'])]],
          [2, () => ['POST', '/broadcast', r.chance(0.5) ? Buffer.from(JSON.stringify({ message: jsonValue(r, 0) })) : body(r, ['message'])]],
          [2, () => ['POST', `/learners/${r.pick([victimLearner.learnerId, segment(r), 'a'.repeat(64)])}/${r.pick(['checks', 'reset'])}`, body(r, ['lesson', 'step'])]],
          [1, () => [method(r), r.pick(['', '/events', '/grades.csv', '/grades.json', '/broadcast', '/gradebook/send-again', '/gradebook', `/${segment(r)}`]), body(r, ['x'])]],
        ])();
        return probe("classrooms: the attacker's own room, bad input", m, `/api/classrooms/${attackerRoom.id}${rest}`, [['Authorization', `Bearer ${attackerRoom.instructorToken}`], ...contentHeaders(r, payload)], payload);
      },
    },
    'oversized bodies (413)': {
      planned: 150,
      concurrency: 6,
      make: (r) => {
        const [m, target, auth, limit] = r.pick<[string, string, string | undefined, number]>([
          ['POST', '/api/classrooms', undefined, 64 * 1024],
          ['POST', `/api/classrooms/${lobby.code}/join`, undefined, 64 * 1024],
          ['PUT', '/api/progress/sample', attackerLearner, 64 * 1024],
          ['PATCH', `/api/classrooms/${attackerRoom.id}`, attackerRoom.instructorToken, 64 * 1024],
          ['POST', `/api/classrooms/${attackerRoom.id}/broadcast`, attackerRoom.instructorToken, 64 * 1024],
          ['POST', `/api/sessions/${attacker.id}/checks`, attacker.token, 64 * 1024],
          ['POST', `/api/sessions/${attacker.id}/steps`, attacker.token, 64 * 1024],
          ['PUT', `/api/sessions/${attacker.id}/file?path=big.txt`, attacker.token, 2 * 1024 * 1024],
        ]);
        const size = limit + r.pick([1, 2, 100, 4096, limit, 3 * limit]);
        const payload = r.chance(0.5) ? Buffer.from(JSON.stringify({ name: 'x'.repeat(size) })) : Buffer.alloc(size, r.pick(['{', ' ', 'a', '[']));
        return probe('oversized bodies (413)', m, target, [...(auth ? ([['Authorization', `Bearer ${auth}`]] as Header[]) : []), ['Content-Type', 'application/json']], payload, { expect: 413, timeoutMs: 30_000 });
      },
    },
    'huge and odd headers': {
      planned: 300,
      concurrency: 12,
      make: (r) => {
        const target = r.pick([`/api/sessions/${victim.id}`, '/api/me', '/api/lessons', `/api/classrooms/${victimRoom.id}`, '/api/progress']);
        const headers: Header[] = r.weighted<() => Header[]>([
          [2, () => [['Authorization', `Bearer ${'t'.repeat(r.int(8_000, 70_000))}`]]],
          [2, () => [['Cookie', `drydock_learner=${'c'.repeat(r.int(8_000, 70_000))}`]]],
          [1, () => Array.from({ length: r.int(100, 3000) }, (_, i) => [`X-Fuzz-${i}`, r.string(r.int(1, 20), SEGMENT_CHARS)] as Header)],
          [1, () => Array.from({ length: r.int(2, 50) }, () => ['Authorization', `Bearer ${credential(r, victimSecrets)}`] as Header)],
          [1, () => [['Authorization', Buffer.concat([Buffer.from('Bearer '), Buffer.from(r.bytes(r.int(1, 40)).map((byte) => 0x80 | byte))])]]],
          [1, () => [['Cookie', Array.from({ length: r.int(50, 2000) }, () => `drydock_learner=${r.string(10, SEGMENT_CHARS)}`).join('; ')]]],
          [1, () => [['X-Forwarded-For', r.pick(['', 'x'.repeat(5000), '::1, 1.2.3.4', '%00', '999.999.999.999'])], ['Host', r.pick(['', 'evil', 'x'.repeat(3000)])]]],
        ])();
        const m = r.pick(['GET', 'POST', 'DELETE']);
        return probe('huge and odd headers', m, `${target}${r.chance(0.3) ? `?token=${'q'.repeat(r.int(10_000, 40_000))}` : ''}`, headers, undefined, { victim: target.includes(victim.id) || target.includes(victimRoom.id) });
      },
    },
    'malformed HTTP': {
      planned: 1000,
      concurrency: 24,
      make: (r) => {
        const target = r.pick([`/api/sessions/${victim.id}`, '/api/me', '/api/lessons/sample', '/api/classrooms', `/api/classrooms/${victimRoom.id}`, '/api/progress/sample']);
        const raw = r.weighted<() => Buffer>([
          [2, () => requestBytes(r.pick(['FOO', 'get', 'G-T', 'GETT', 'POSTX', 'X'.repeat(r.int(20, 300)), 'BREW', 'CONNECT', 'PRI']), target, [], undefined)],
          [1, () => Buffer.from(`GET ${target} HTTP/${r.pick(['0.9', '1.2', '2.0', '9.9', 'x', '1.1.1'])}\r\nHost: x\r\n\r\n`)],
          [1, () => Buffer.from(`GET ${target}\r\n\r\n`)],
          [1, () => Buffer.from(`GET ${target} HTTP/1.1\nHost: x\n\n`)],
          [1, () => Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\n${r.pick(['Bad Header: x', ': empty', 'NoColon', ' leading: space', 'X-\u0000: y', 'X: a\u0000b', 'X: \r\n folded'])}\r\n\r\n`, 'latin1')],
          [2, () => Buffer.from(`POST ${target} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${r.pick(['zz\r\n{}\r\n0\r\n\r\n', '-1\r\n\r\n', 'ffffffffffffffffff\r\nx\r\n', '2\r\n{}\r\n0\r\n\r\n', '1;ext=\u0000\r\nx\r\n0\r\n\r\n', '0\r\nTrailer: x\r\n\r\n', '3\r\n{}\r\n0\r\n\r\n'])}`, 'latin1')],
          [1, () => Buffer.from(`POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`)],
          [1, () => Buffer.from(`POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: ${r.pick(['-1', 'abc', '1e3', '2, 3', '99999999999999999999', ' '])}\r\n\r\n{}`)],
          [1, () => Buffer.from(`POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x`)],
          [1, () => Buffer.concat([Buffer.from(`${r.pick(['GET', 'POST'])} `), r.bytes(r.int(1, 200)), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')])],
          // At least 16 bytes: a byte or two could be the start of a method, and the parser would rightly wait for more.
          [1, () => r.bytes(r.int(16, 3000))],
          [1, () => Buffer.from(`GET ${target}${'/x'.repeat(r.int(5_000, 20_000))} HTTP/1.1\r\nHost: x\r\n\r\n`)],
          [1, () => Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
          [1, () => Buffer.from(`GET ${r.pick(['*', 'http://evil/api/me', '//api/me', 'api/me', '/api/me#x', '\\api\\me', 'http://[::1', '/api/%'])} HTTP/1.1\r\nHost: x\r\n\r\n`)],
        ])();
        return { family: 'malformed HTTP', parts: [raw], head: false, victim: false, allow5xx: [], describe: JSON.stringify(raw.subarray(0, 120).toString('latin1')) };
      },
    },
  };
}

function displayName(r: Rng): string {
  return r.pick(['Ada', 'ada', ' Ada ', 'ADA', 'A\u0301da', 'Ａｄａ', '', ' ', '\u0000', '\u200b', 'x'.repeat(41), 'x'.repeat(40), '😀', 'Bob\nSmith', 'Robert"); DROP TABLE classroom_members;--', r.string(r.int(1, 45))]);
}

function classroomBody(r: Rng, change = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields: [string, () => unknown][] = [
    ['name', () => r.pick(['Room', '', ' ', 'x'.repeat(81), 'x'.repeat(80), 5, null, ['Room'], { a: 1 }, '\u0000'])],
    ['lessons', () => r.pick([['sample'], [], 'sample', ['nope'], [5], ['sample', 'sample'], Array(101).fill('sample'), null, [['sample']], ['__proto__'], ['constructor']])],
    ['exercises', () => r.pick([[], [{ lesson: 'sample', step: 'version', points: r.pick([0, 1, 1000, 1001, -1, 0.5, '1', null]) }], [{ lesson: 'nope', step: 'x', points: 1 }], [{ lesson: 'sample', step: r.pick([0, 'constructor', '__proto__', null, {}]), points: 1 }], 'all', [null], [[]], Array(1001).fill({ lesson: 'sample', step: 'version', points: 1 })])],
    ['graded', () => r.pick([true, false, 'true', 1, null])],
    ['allowRun', () => r.pick([true, false, 'no', 0])],
    ['maxLearners', () => r.pick([1, 30, 500, 501, 0, -1, 1.5, '30', 1e308, null])],
    ['opensAt', () => r.pick(['2026-01-01T00:00:00Z', 'yesterday', '', 0, 1e20, '9999-99-99', '+275760-09-13T00:00:00.000Z', '+275760-09-13T00:00:00.001Z', null])],
    ['closesAt', () => r.pick(['2099-01-01T00:00:00Z', '1970-01-01T00:00:00Z', 'never', -1, '2026-01-01T00:00:00Z', null])],
    [r.pick(['grade', '__proto__', 'constructor', 'id', 'code', 'instructorToken']), () => jsonValue(r, 0)],
  ];
  for (const [key, value] of fields) if (r.chance(change ? 0.3 : 0.6) || (!change && (key === 'name' || key === 'lessons') && r.chance(0.8))) out[key] = value();
  return out;
}

// ---------------------------------------------------------------------------------

/** Runs `count` tasks, `concurrency` at a time, taking them in order. */
async function pool(count: number, concurrency: number, task: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        next++;
        await task();
      }
    }),
  );
}

/** Why an answer breaks the rules, or undefined. */
function violation(p: Probe, answer: RawAnswer): string | undefined {
  if (answer.timedOut) return `no answer within ${p.timeoutMs ?? 15_000} ms`;
  if (answer.status === undefined) return `no HTTP answer (${answer.error ?? 'unparseable'})`;
  const status = answer.status;
  if (p.expect !== undefined && status !== p.expect) return `answered ${status}, expected ${p.expect}: ${answer.body.slice(0, 200)}`;
  if (status >= 500 && !p.allow5xx.includes(status)) return `answered ${status}: ${answer.body.slice(0, 300)}`;
  if (p.victim && status < 400) return `reached the victim: ${status} ${answer.body.slice(0, 200)}`;
  if (status >= 400 && !p.head) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return `answered ${status} without a JSON body: ${JSON.stringify(answer.body.slice(0, 200))}`;
    }
    const error = (parsed as { error?: unknown })?.error;
    if (typeof error !== 'string' || error.trim() === '') return `answered ${status} without a reason: ${answer.body.slice(0, 200)}`;
  }
  return undefined;
}

describe('the HTTP API under fuzzing', () => {
  it('answers thousands of bad requests with a 4xx and a reason, and the victim never notices', async () => {
    const victimSession = server.app.sessions.get(victim.id)!;
    const victimActiveAt = victimSession.lastActiveAt;
    const rssBefore = process.memoryUsage().rss;
    const tally = new FuzzTally();
    const statuses: Record<string, Record<string, number>> = {};
    const failures: string[] = [];
    const started = Date.now();
    const plan = families();

    for (const [family, { planned, concurrency, make }] of Object.entries(plan)) {
      const r = rng.fork(family);
      statuses[family] = {};
      // Each probe is made when a worker takes it, in order, so the seed alone fixes them.
      await pool(planned, concurrency, async () => {
        const p = make(r);
        const answer = await exchange(port, p.parts, { timeoutMs: p.timeoutMs ?? 15_000, head: p.head });
        tally.add(family);
        const key = answer.status === undefined ? 'none' : answer.status >= 500 ? String(answer.status) : `${Math.floor(answer.status / 100)}xx`;
        statuses[family][key] = (statuses[family][key] ?? 0) + 1;
        const wrong = violation(p, answer);
        if (wrong && failures.length < 20000) failures.push(`${family}: ${p.describe}: ${wrong}`);
      });
    }

    // Nothing the attacker sent was accepted as the victim: its session was never touched.
    const victimUntouched = victimSession.lastActiveAt === victimActiveAt;

    // Slow and partial requests, held open while the victim is asked to answer: the
    // server serves others meanwhile, and each slow client is dropped by us after a bound.
    const slow = Array.from({ length: 40 }, (_, i) => {
      const r = rng.fork(`slow ${i}`);
      const parts: (Buffer | number)[] = r.weighted<() => (Buffer | number)[]>([
        [1, () => [Buffer.from('GET /api/me HTTP/1.1\r\nHost: x\r\n'), ...Array.from({ length: 10 }, () => [200, Buffer.from(`X-${r.int(0, 99)}: y\r\n`)]).flat()]],
        [1, () => [Buffer.from(`POST /api/classrooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${r.int(100, 60_000)}\r\n\r\n{"name":`), ...Array.from({ length: 10 }, () => [200, Buffer.from('"')]).flat()]],
        [1, () => [Buffer.from(`PUT /api/progress/sample HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`), ...Array.from({ length: 10 }, () => [200, Buffer.from('1\r\n \r\n')]).flat()]],
        [1, () => [Buffer.from('G'), ...Array.from({ length: 10 }, () => [200, Buffer.from('E')]).flat()]],
      ])();
      return exchange(port, parts, { timeoutMs: 2_500 }).then((answer) => {
        tally.add('slow partial requests (held 2.5 s)');
        // A slow client may be answered (400, 413) or still be waiting when we give up.
        if (answer.status !== undefined && (answer.status >= 500 || answer.status < 400)) failures.push(`slow request ${i}: answered ${answer.status}`);
      });
    });
    await new Promise((wait) => setTimeout(wait, 500));
    const during = Date.now();
    const victimDuring = await server.client.session(victim.id, victim.token);
    const victimDuringMs = Date.now() - during;
    await Promise.all(slow);
    expect(victimDuring.status).toBe(200);
    expect(victimDuringMs, 'the victim answered quickly while slow clients held connections').toBeLessThan(2_000);

    const rssAfter = process.memoryUsage().rss;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(tally.table(`HTTP API: ${tally.total()} requests in ${seconds} s, seed ${seed}`, statuses));
    console.log(`[fuzz] HTTP API: RSS of the process serving (and sending) it all: ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, ${(rssAfter / 2 ** 20).toFixed(0)} MiB after (+${((rssAfter - rssBefore) / 2 ** 20).toFixed(0)} MiB)`);
    if (failures.length) console.error(`[fuzz] HTTP API failures (seed ${seed}):\n${failures.join('\n')}`);
    expect(failures.length, `${failures.length} failures, seed ${seed}; first: ${failures[0]?.slice(0, 500)}`).toBe(0);

    // Every family ran as planned: the fuzz cannot silently do nothing.
    for (const [family, { planned }] of Object.entries(plan)) expect(tally.get(family), family).toBe(planned);
    expect(tally.get('slow partial requests (held 2.5 s)')).toBe(40);
    expect(tally.total()).toBe(21_590);

    expect(victimUntouched, "the victim's session was used by a request of the fuzz").toBe(true);
    expect(rssAfter - rssBefore, 'memory growth').toBeLessThan(400 * 2 ** 20);
  }, 240_000);

  it('still serves the victim and everyone else afterwards', async () => {
    expect((await call('GET', '/api/health')).status).toBe(200);
    const session = await server.client.session(victim.id, victim.token);
    expect(session).toMatchObject({ status: 200, body: { state: 'ready' } });
    expect(await victimTerminal.run('echo "marker=$MARKER"')).toContain(`marker=${marker}`);

    const room = await call('GET', `/api/classrooms/${victimRoom.id}`, victimRoom.instructorToken);
    expect(room.status).toBe(200);
    expect(room.json.classroom).toMatchObject({ name: 'Victim room', maxLearners: 30 });
    expect(room.json.grid.learners.map((learner: { name: string }) => learner.name)).toEqual(['Victim']);
    const me = await call('GET', '/api/me', victimLearner.token);
    expect(me.json).toMatchObject({ learnerId: victimLearner.learnerId, classroom: { name: 'Victim room' } });

    // The attacker's own session still works too: the fuzz broke nothing it owns.
    expect((await server.client.session(attacker.id, attacker.token)).body.state).toBe('ready');
  });
});
