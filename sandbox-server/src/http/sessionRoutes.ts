// The public session API: create (for a lesson), read, delete, reset, list ports, and
// proxy to a published port.
import type http from 'node:http';
import type { App } from '../app.js';
import { CapacityError, LearnerCapError, type Session } from '../sessions/sessionManager.js';
import { listPublishedPorts } from '../sessions/publishedPorts.js';
import { proxyHttp, type PortTarget } from '../proxy/portProxy.js';
import { HttpError, readBody, readJsonBody, sendJson } from './respond.js';
import { limitCreation } from './rateLimiter.js';
import { bearerToken, previewCookie, previewCookieToken } from './requestAuth.js';
import { openStep, readySandbox, runStepChecks, solveStep } from './lessonRoutes.js';
import { listFolder, MAX_FILE_BYTES, MAX_TRANSFER_BYTES, readBytes, readFile, writeFile } from '../sessions/workspaceFiles.js';

export const SESSION_PATH = /^\/api\/sessions\/([A-Za-z0-9_-]{1,64})(?:\/(.*))?$/;
const PORT_PATH = /^ports\/(\d{1,5})(\/.*)?$/;

/** POST /api/sessions { lesson? }: a sandbox, for that lesson when one is named (a learner's
 * earlier sandbox for the same lesson is replaced). */
export async function createSession(app: App, req: http.IncomingMessage, res: http.ServerResponse, learnerId?: string): Promise<void> {
  const body = await readJsonBody(req);
  if (body.lesson !== undefined && typeof body.lesson !== 'string') throw new HttpError(400, '"lesson" must be a lesson id');
  if (body.lesson !== undefined && !app.lessons.lesson(body.lesson as string)) throw new HttpError(404, `no lesson "${body.lesson}"`);
  sendNewSession(app, res, learnerId, body.lesson as string | undefined);
}

function sendNewSession(app: App, res: http.ServerResponse, learnerId: string | undefined, lessonId: string | undefined): void {
  let session: Session;
  try {
    session = app.sessions.create(learnerId, lessonId);
  } catch (error) {
    if (error instanceof CapacityError) throw new HttpError(503, error.message);
    if (error instanceof LearnerCapError) throw new HttpError(409, error.message, { sandboxes: error.held.map((held) => learnerSandboxView(app, held)) });
    throw error;
  }
  sendJson(res, 201, { id: session.id, token: session.token!, lesson: session.lessonId, expiresAt: isoTime(app.sessions.expiresAt(session)), state: session.state });
}

/** One of a learner's sandboxes as their pages list it (never with its token). */
export function learnerSandboxView(app: App, session: Session) {
  return {
    id: session.id,
    lesson: session.lessonId,
    lessonTitle: session.lessonId ? app.lessons.lesson(session.lessonId)?.title : undefined,
    state: session.state,
    lastActiveAt: isoTime(session.lastActiveAt),
    expiresAt: isoTime(app.sessions.expiresAt(session)),
  };
}

/** The session named in the path, if the request carries its token (404 either way, so ids leak nothing). */
export function authorizedSession(app: App, req: http.IncomingMessage, url: URL, id: string, allowPreviewCookie = false): Session {
  const token = bearerToken(req, url) ?? (allowPreviewCookie ? previewCookieToken(req) : undefined);
  if (!token) throw new HttpError(401, 'this needs the session token: Authorization: Bearer TOKEN, or ?token=TOKEN');
  const session = app.sessions.authorize(id, token);
  if (!session) throw new HttpError(404, `no session ${id} for this token`);
  return session;
}

export async function handleSessionRequest(app: App, req: http.IncomingMessage, res: http.ServerResponse, url: URL, id: string, rest: string): Promise<void> {
  const portMatch = PORT_PATH.exec(rest);
  const session = authorizedSession(app, req, url, id, Boolean(portMatch));
  if (portMatch) return proxyToPort(app, session, req, res, url, portMatch);
  const route = `${req.method} ${rest}`;
  // What the learner does keeps the sandbox; the page's own polling of its state does not,
  // or an open tab nobody looks at would hold a sandbox until its maximum lifetime.
  if (route !== 'GET ' && route !== 'GET ports') app.sessions.touch(session);
  switch (route) {
    case 'GET ':
      return sendJson(res, 200, await describeSession(app, session));
    case 'DELETE ':
      await app.sessions.remove(session);
      res.writeHead(204).end();
      return;
    case 'POST reset':
      // The lesson starts over on a fresh sandbox; the learner's progress stays theirs.
      // The old one ends at once (its removal finishes behind) so it frees its place.
      limitCreation(app.limiter, app.config, req, session.learnerId);
      app.sessions.remove(session).catch((error: Error) => console.log(`reset of ${session.id}: ${error.message}`));
      return sendNewSession(app, res, session.learnerId, session.lessonId);
    case 'GET ports':
      return sendJson(res, 200, { ports: await sessionPorts(app, session) });
    case 'POST extend':
      // "I'm still here": the idle expiry starts again (never past the maximum lifetime).
      return sendJson(res, 200, { expiresAt: isoTime(app.sessions.expiresAt(session)), endsAt: isoTime(app.sessions.endsAt(session)) });
    case 'POST checks':
      return runStepChecks(app, session, req, res);
    case 'POST steps':
      return openStep(app, session, req, res);
    case 'POST solve':
      return solveStep(app, session, req, res);
    case 'GET files':
      return sendJson(res, 200, { entries: await listFolder(app.backend, await readySandbox(session), url.searchParams.get('path') ?? '') });
    case 'GET file': {
      const path = url.searchParams.get('path') ?? '';
      if (url.searchParams.has('download')) return sendDownload(res, path, await readBytes(app.backend, await readySandbox(session), path));
      return sendJson(res, 200, { path, content: await readFile(app.backend, await readySandbox(session), path) });
    }
    case 'PUT file': {
      const body = await readJsonBody(req, MAX_FILE_BYTES * 2);
      if (typeof body.content !== 'string') throw new HttpError(400, 'the body needs "content": the file\'s text');
      const path = url.searchParams.get('path') ?? '';
      await writeFile(app.backend, await readySandbox(session), path, body.content);
      app.live.changed(session.id);
      return sendJson(res, 200, { path, saved: true });
    }
    case 'PUT upload': {
      // Any file, its bytes as the body (an upload from the Files tab).
      const path = url.searchParams.get('path') ?? '';
      const bytes = await readBody(req, MAX_TRANSFER_BYTES);
      await writeFile(app.backend, await readySandbox(session), path, bytes, true, MAX_TRANSFER_BYTES);
      app.live.changed(session.id);
      return sendJson(res, 200, { path, saved: true, size: bytes.length });
    }
    default:
      if (['', 'ports', 'terminal', 'checks', 'steps', 'files', 'file', 'upload', 'extend', 'solve', 'reset'].includes(rest)) throw new HttpError(405, `${req.method} is not allowed on this path`);
      throw new HttpError(404, `no such route: ${req.method} ${url.pathname}`);
  }
}

/** A file as the browser saves it: its bytes, under its own name. */
function sendDownload(res: http.ServerResponse, path: string, bytes: Buffer): void {
  const name = path.split('/').pop() || 'download';
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': bytes.length,
    'content-disposition': `attachment; filename="${name.replace(/["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  res.end(bytes);
}

async function describeSession(app: App, session: Session) {
  return {
    id: session.id,
    state: session.state,
    expiresAt: isoTime(app.sessions.expiresAt(session)),
    endsAt: isoTime(app.sessions.endsAt(session)),
    ports: await sessionPorts(app, session),
    ...(session.error ? { error: session.error } : {}),
  };
}

async function sessionPorts(app: App, session: Session) {
  if (session.state !== 'ready' || !session.sandbox) return [];
  return listPublishedPorts(app.backend, session.sandbox).catch(() => []);
}

function proxyToPort(app: App, session: Session, req: http.IncomingMessage, res: http.ServerResponse, url: URL, match: RegExpExecArray): void {
  const target = portTarget(session, url, match);
  app.sessions.touch(session);
  // A token in the URL becomes a cookie for this preview, so the page's relative links work.
  const token = url.searchParams.get('token');
  if (token) res.setHeader('set-cookie', previewCookie(token, target.prefix + '/'));
  proxyHttp(req, res, target);
}

export function portTarget(session: Session, url: URL, match: RegExpExecArray): PortTarget {
  const port = Number(match[1]);
  if (port < 1 || port > 65535) throw new HttpError(400, `port must be 1-65535, got ${match[1]}`);
  if (session.state !== 'ready' || !session.sandbox) throw new HttpError(409, `the session is ${session.state}, not ready`);
  const query = new URLSearchParams(url.searchParams);
  query.delete('token');
  const search = query.toString();
  return {
    host: session.sandbox.address,
    port,
    path: (match[2] ?? '/') + (search ? `?${search}` : ''),
    prefix: `/api/sessions/${session.id}/ports/${port}`,
  };
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
