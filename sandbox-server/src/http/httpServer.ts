// The HTTP + WebSocket front door: routes API calls, terminal and preview upgrades,
// and the web app. A client's bad input gets a 4xx with a reason; nothing it sends
// can crash the process.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { App } from '../app.js';
import { HttpError, sendError, sendJson } from './respond.js';
import { health } from './health.js';
import { SESSION_PATH, authorizedSession, createSession, handleSessionRequest, portTarget } from './sessionRoutes.js';
import { serveStatic } from './staticFiles.js';
import { handleLessonRequest } from './lessonRoutes.js';
import { handleLearnerRequest, knownLearner } from './learnerRoutes.js';
import { CLASSROOM_PATH, createClassroom, handleJoin } from './classroomRoutes.js';
import { handleInstructorRequest, instructorClassroom, memberSession } from './instructorRoutes.js';
import { watchTerminal } from '../terminal/watchTerminal.js';
import { limitCreation, RateLimitError } from './rateLimiter.js';
import { LESSON_ASSETS_PATH } from '../lessons/lessonRenderer.js';
import { proxyUpgrade } from '../proxy/portProxy.js';
import { handleLtiRequest, handlePickRequest, LTI_PATHS, PICK_PATH } from './ltiRoutes.js';
import { serveTerminal, TERMINAL_NAME } from '../terminal/terminalSocket.js';
import { isSize, MAX_COLS, MAX_ROWS } from '../terminal/controlMessages.js';

const TERMINAL_MAX_FRAME = 4 * 1024 * 1024;

export function createHttpServer(app: App): http.Server {
  const terminals = new WebSocketServer({ noServer: true, maxPayload: TERMINAL_MAX_FRAME });
  const server = http.createServer((req, res) => {
    handleRequest(app, req, res).catch((error: unknown) => {
      if (error instanceof RateLimitError && !res.headersSent) res.setHeader('retry-after', String(error.retryAfterS));
      if (error instanceof HttpError) return sendError(res, error.status, error.message, error.details);
      console.error(`${req.method} ${req.url}:`, error);
      sendError(res, 500, `internal error: ${(error as Error).message}`);
    });
  });
  server.on('upgrade', (req, socket, head) => {
    handleUpgrade(app, terminals, req, socket, head).catch((error: unknown) => {
      endWithError(socket, error instanceof HttpError ? error.status : 500, (error as Error).message);
    });
  });
  // What Node's parser refuses (an unknown method, bytes not allowed in a URL or header,
  // headers over 16 kB, bad chunking, a request that took too long) still gets a status
  // and a reason before the connection closes, unless an answer is already under way.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: http.ServerResponse }) => {
    if (!socket.writable || socket._httpMessage?.headersSent || error.code === 'ECONNRESET') return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    endWithError(socket, status, `malformed HTTP request (${error.code ?? 'parse error'}): ${(error as { reason?: string }).reason ?? error.message}`);
  });
  // CONNECT asks for a tunnel, which Node leaves to a listener: without one the socket
  // would just close.
  server.on('connect', (_req, socket: Duplex) => endWithError(socket, 405, 'CONNECT is not allowed: this server is no proxy'));
  return server;
}

/** An error answer written straight to a socket (no response object): status, JSON reason, close. */
function endWithError(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function parseUrl(req: http.IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://drydock.local');
  } catch {
    throw new HttpError(400, 'malformed URL');
  }
}

async function handleRequest(app: App, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = parseUrl(req);
  const path = url.pathname;
  if (path === '/api/health') {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET');
    const report = await health(app);
    return sendJson(res, report.ok ? 200 : 503, report);
  }
  if (path === '/api/sessions') {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST to create a session');
    const learnerId = await knownLearner(app, req);
    limitCreation(app.limiter, app.config, req, learnerId);
    return createSession(app, req, res, learnerId);
  }
  const sessionMatch = SESSION_PATH.exec(path);
  if (sessionMatch) return handleSessionRequest(app, req, res, url, sessionMatch[1], sessionMatch[2] ?? '');
  if (path === '/api/lessons' || path.startsWith('/api/lessons/')) return handleLessonRequest(app, req, res, path);
  if (path === '/api/me' || path === '/api/me/events' || path === '/api/me/sandboxes' || path.startsWith('/api/me/sandboxes/') || path === '/api/progress' || path.startsWith('/api/progress/')) return handleLearnerRequest(app, req, res, url);
  if (path === '/api/classrooms') {
    if (req.method === 'POST') limitCreation(app.limiter, app.config, req);
    return createClassroom(app, req, res, url);
  }
  const classroomMatch = CLASSROOM_PATH.exec(path);
  if (classroomMatch) {
    const rest = classroomMatch[2] ?? '';
    if (rest === 'join') {
      if (req.method === 'POST') limitCreation(app.limiter, app.config, req);
      return handleJoin(app, req, res, classroomMatch[1]);
    }
    return handleInstructorRequest(app, req, res, url, classroomMatch[1], rest);
  }
  if (LTI_PATHS.includes(path)) return handleLtiRequest(app, req, res, url);
  const pickMatch = PICK_PATH.exec(path);
  if (pickMatch) return handlePickRequest(app, req, res, pickMatch[1]);
  if (path.startsWith('/api/')) throw new HttpError(404, `no such route: ${req.method} ${path}`);
  if (path.startsWith(LESSON_ASSETS_PATH)) return serveStatic(app.config.lessonsDir, req, res, path.slice(LESSON_ASSETS_PATH.length - 1), false);
  serveStatic(app.webRoot, req, res, path);
}

function terminalSize(url: URL): { cols: number; rows: number } {
  const cols = Number(url.searchParams.get('cols') ?? 80);
  const rows = Number(url.searchParams.get('rows') ?? 24);
  if (!isSize(cols, MAX_COLS) || !isSize(rows, MAX_ROWS)) throw new HttpError(400, `cols must be 1-${MAX_COLS} and rows 1-${MAX_ROWS}`);
  return { cols, rows };
}

const WATCH_PATH = /^\/api\/classrooms\/([A-Za-z0-9_-]{1,64})\/learners\/([A-Za-z0-9_-]{1,64})\/terminal$/;

/** An instructor watching a learner's terminal, read-only. */
async function upgradeWatch(app: App, terminals: WebSocketServer, req: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL, match: RegExpExecArray): Promise<void> {
  const classroom = await instructorClassroom(app, req, url, match[1]);
  const session = await memberSession(app, classroom, match[2]);
  if (!session || (session.state !== 'ready' && session.state !== 'starting')) throw new HttpError(409, 'the learner has no running sandbox right now');
  const size = terminalSize(url);
  const sandbox = await session.started;
  terminals.handleUpgrade(req, socket, head, (ws) => {
    app.openTerminals.add(session, ws);
    void watchTerminal(ws, app.backend, sandbox, { name: 'main', ...size });
  });
}

async function handleUpgrade(app: App, terminals: WebSocketServer, req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const url = parseUrl(req);
  const watch = WATCH_PATH.exec(url.pathname);
  if (watch) return upgradeWatch(app, terminals, req, socket, head, url, watch);
  const match = SESSION_PATH.exec(url.pathname);
  if (!match) throw new HttpError(404, 'no WebSocket here');
  const rest = match[2] ?? '';
  const portMatch = /^ports\/(\d{1,5})(\/.*)?$/.exec(rest);
  const session = authorizedSession(app, req, url, match[1], Boolean(portMatch));
  if (portMatch) return proxyUpgrade(req, socket, head, portTarget(session, url, portMatch));
  if (rest !== 'terminal') throw new HttpError(404, 'no WebSocket here');
  if (session.state === 'expired' || session.state === 'failed') throw new HttpError(410, `the session is ${session.state}; start a new one`);
  const name = url.searchParams.get('name') ?? 'main';
  if (!TERMINAL_NAME.test(name)) throw new HttpError(400, 'terminal name must be 1-32 letters, digits, _ or -');
  const { cols, rows } = terminalSize(url);
  app.sessions.touch(session);
  terminals.handleUpgrade(req, socket, head, (ws) => {
    app.openTerminals.add(session, ws);
    void serveTerminal(ws, session, app.sessions, app.backend, app.preopenedTerminals, { name, cols, rows });
  });
}
