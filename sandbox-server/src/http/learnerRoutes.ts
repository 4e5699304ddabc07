// Who the learner is and their progress: GET /api/me, GET /api/me/events (live
// broadcasts, resets and live check results), GET /api/me/sandboxes and
// DELETE /api/me/sandboxes/:id (their lesson sandboxes), GET /api/progress,
// PUT /api/progress/:lesson { current }.
// A learner is proven by an HttpOnly cookie (anonymous, or set when joining a classroom)
// or by the same credential as a bearer token.
import type http from 'node:http';
import type { App } from '../app.js';
import { decodePathSegment, HttpError, readJsonBody, sendJson } from './respond.js';
import { openEventStream } from './eventStream.js';
import { learnerClassroomView } from '../classrooms/classroomViews.js';
import { learnerSandboxView } from './sessionRoutes.js';
import { learnerGradebook } from '../lti/gradebookView.js';

export const LEARNER_COOKIE = 'drydock_learner';
const ONE_YEAR_S = 365 * 24 * 60 * 60;

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function learnerCredential(req: http.IncomingMessage, url?: URL): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return url?.searchParams.get('token') ?? cookie(req, LEARNER_COOKIE);
}

/** The learner this request proves, if any. */
export async function knownLearner(app: App, req: http.IncomingMessage, url?: URL): Promise<string | undefined> {
  return app.progress.learnerFor(learnerCredential(req, url));
}

/** The learner's cookie; `crossSite` (HTTPS only) lets it travel inside an LMS's frame too. */
export function learnerCookie(credential: string, crossSite = false): string {
  return `${LEARNER_COOKIE}=${encodeURIComponent(credential)}; Path=/; HttpOnly; ${crossSite ? 'SameSite=None; Secure' : 'SameSite=Lax'}; Max-Age=${ONE_YEAR_S}`;
}

export function setLearnerCookie(res: http.ServerResponse, credential: string): void {
  res.setHeader('set-cookie', learnerCookie(credential));
}

/** The learner this browser is; a new anonymous one (and its cookie) if none. */
export async function ensureLearner(app: App, req: http.IncomingMessage, res: http.ServerResponse): Promise<string> {
  const known = await knownLearner(app, req);
  if (known) return known;
  const { id, credential } = await app.progress.createLearner();
  setLearnerCookie(res, credential);
  return id;
}

export async function handleLearnerRequest(app: App, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const path = url.pathname;
  if (path === '/api/me') {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET');
    const learnerId = await ensureLearner(app, req, res);
    const [membership, name, platform, gradebook] = await Promise.all([
      app.classrooms.membership(learnerId),
      app.progress.learnerName(learnerId),
      app.lti.launches.platformOf(learnerId),
      learnerGradebook(app, learnerId),
    ]);
    return sendJson(res, 200, {
      learnerId,
      ...(name ? { name } : {}),
      // Signed in by an LMS launch: the page says from where.
      ...(platform ? { platform } : {}),
      // Where their scores go, and whether the last one arrived (also pushed as 'gradebook' events).
      ...(gradebook.length ? { gradebook } : {}),
      ...(membership ? { classroom: learnerClassroomView(membership.classroom, membership.name) } : {}),
    });
  }
  if (path === '/api/me/events') {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET (an EventSource)');
    return streamLearnerEvents(app, req, res, url);
  }
  if (path === '/api/me/sandboxes') {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET');
    const learnerId = await knownLearner(app, req);
    const sessions = learnerId ? app.sessions.liveFor(learnerId) : [];
    return sendJson(res, 200, { sandboxes: sessions.map((session) => learnerSandboxView(app, session)), max: app.config.maxPerLearner });
  }
  if (path.startsWith('/api/me/sandboxes/')) {
    if (req.method !== 'DELETE') throw new HttpError(405, 'use DELETE to close one of your sandboxes');
    const learnerId = await knownLearner(app, req);
    const session = app.sessions.get(decodePathSegment(path.slice('/api/me/sandboxes/'.length)));
    // Only the learner's own: anyone else's is "not found", as in the session API.
    if (!learnerId || !session || session.learnerId !== learnerId) throw new HttpError(404, 'no such sandbox of yours');
    await app.sessions.remove(session);
    res.writeHead(204).end();
    return;
  }
  if (path === '/api/progress') {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET');
    return sendJson(res, 200, { lessons: await app.progress.progress(await ensureLearner(app, req, res)) });
  }
  const lessonId = decodePathSegment(path.slice('/api/progress/'.length));
  if (req.method !== 'PUT') throw new HttpError(405, 'use PUT with { current: <step index> }');
  const lesson = app.lessons.lesson(lessonId);
  if (!lesson) throw new HttpError(404, `no lesson "${lessonId}"`);
  const body = await readJsonBody(req);
  const current = body.current;
  if (!Number.isInteger(current) || (current as number) < 0 || (current as number) >= lesson.steps.length) {
    throw new HttpError(400, `"current" must be a step index 0-${lesson.steps.length - 1}`);
  }
  const learner = await ensureLearner(app, req, res);
  await app.progress.setCurrentStep(learner, lesson.id, current as number);
  sendJson(res, 200, { lesson: lesson.id, current });
}

/** Broadcasts from the learner's instructor and sandbox resets, as they happen. */
async function streamLearnerEvents(app: App, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const learnerId = await knownLearner(app, req, url);
  if (!learnerId) throw new HttpError(401, 'this needs a learner: join a classroom or open GET /api/me first');
  const membership = await app.classrooms.membership(learnerId);
  const stream = openEventStream(req, res);
  stream.send('hello', {
    classroom: membership ? learnerClassroomView(membership.classroom, membership.name) : undefined,
    broadcasts: membership ? await app.classrooms.recentBroadcasts(membership.classroom.id) : [],
  });
  stream.onClose(app.hub.watchLearner(learnerId, (event, data) => stream.send(event, data)));
}
