// Who the learner is (an anonymous identity kept in an HttpOnly cookie) and their
// progress: GET /api/me, GET /api/progress, PUT /api/progress/:lesson { current }.
import type http from 'node:http';
import type { App } from '../app.js';
import { HttpError, readJsonBody, sendJson } from './respond.js';

const LEARNER_COOKIE = 'drydock_learner';
const ONE_YEAR_S = 365 * 24 * 60 * 60;

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** The learner this browser is, if its cookie proves it. */
export function knownLearner(app: App, req: http.IncomingMessage): string | undefined {
  return app.progress.learnerFor(cookie(req, LEARNER_COOKIE));
}

/** The learner this browser is; a new anonymous one (and its cookie) if none. */
export function ensureLearner(app: App, req: http.IncomingMessage, res: http.ServerResponse): string {
  const known = knownLearner(app, req);
  if (known) return known;
  const { id, credential } = app.progress.createLearner();
  res.setHeader('set-cookie', `${LEARNER_COOKIE}=${encodeURIComponent(credential)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ONE_YEAR_S}`);
  return id;
}

export async function handleLearnerRequest(app: App, req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  if (path === '/api/me') {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET');
    return sendJson(res, 200, { learnerId: ensureLearner(app, req, res) });
  }
  if (path === '/api/progress') {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET');
    return sendJson(res, 200, { lessons: app.progress.progress(ensureLearner(app, req, res)) });
  }
  const lessonId = decodeURIComponent(path.slice('/api/progress/'.length));
  if (req.method !== 'PUT') throw new HttpError(405, 'use PUT with { current: <step index> }');
  const lesson = app.lessons.lesson(lessonId);
  if (!lesson) throw new HttpError(404, `no lesson "${lessonId}"`);
  const body = await readJsonBody(req);
  const current = body.current;
  if (!Number.isInteger(current) || (current as number) < 0 || (current as number) >= lesson.steps.length) {
    throw new HttpError(400, `"current" must be a step index 0-${lesson.steps.length - 1}`);
  }
  const learner = ensureLearner(app, req, res);
  app.progress.setCurrentStep(learner, lesson.id, current as number);
  sendJson(res, 200, { lesson: lesson.id, current });
}
