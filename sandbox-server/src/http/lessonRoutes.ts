// Lessons and their checks: GET /api/lessons, GET /api/lessons/:id,
// POST /api/sessions/:id/checks and POST /api/sessions/:id/steps (open a step).
import type http from 'node:http';
import type { App } from '../app.js';
import type { Session } from '../sessions/sessionManager.js';
import type { Lesson, Step } from '../lessons/lessonTypes.js';
import { runChecks } from '../checks/checkEngine.js';
import { sandboxCheckContext } from '../checks/sandboxCheckContext.js';
import { writeFiles } from '../lessons/stepFiles.js';
import { decodePathSegment, HttpError, readJsonBody, sendJson } from './respond.js';
import { knownLearner } from './learnerRoutes.js';
import { recordCheckRun } from '../classrooms/checkRecorder.js';

export async function handleLessonRequest(app: App, req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  if (req.method !== 'GET') throw new HttpError(405, 'lessons are read-only: use GET');
  if (path === '/api/lessons') return sendJson(res, 200, { lessons: app.lessons.summaries() });
  const id = decodePathSegment(path.slice('/api/lessons/'.length));
  const lesson = app.lessons.lesson(id);
  if (!lesson) throw new HttpError(404, `no lesson "${id}"`);
  // A classroom in graded mode hides solutions; its instructor may hide the Run buttons.
  const learnerId = await knownLearner(app, req);
  const classroom = learnerId ? (await app.classrooms.membership(learnerId))?.classroom : undefined;
  sendJson(res, 200, app.lessons.view(lesson, { hideSolutions: classroom?.graded ?? false, runButtons: classroom?.allowRun ?? true }));
}

/** The lesson and step a request body names: { lesson, step } with step as id or index. */
export async function requestedStep(app: App, req: http.IncomingMessage): Promise<{ lesson: Lesson; step: Step }> {
  const body = await readJsonBody(req);
  if (typeof body.lesson !== 'string') throw new HttpError(400, 'the body needs "lesson": a lesson id');
  if (typeof body.step !== 'string' && !Number.isInteger(body.step)) throw new HttpError(400, 'the body needs "step": a step id or index');
  const lesson = app.lessons.lesson(body.lesson);
  if (!lesson) throw new HttpError(404, `no lesson "${body.lesson}"`);
  const step = app.lessons.step(lesson, body.step as string | number);
  if (!step) throw new HttpError(404, `lesson "${lesson.id}" has no step ${JSON.stringify(body.step)}`);
  return { lesson, step };
}

/** The session's sandbox once it is ready (waits while it starts). */
export async function readySandbox(session: Session) {
  if (session.state === 'starting') await session.ready;
  if (session.state !== 'ready' || !session.sandbox) throw new HttpError(409, `the session is ${session.state}; start a new one`);
  return session.sandbox;
}

export async function runStepChecks(app: App, session: Session, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { lesson, step } = await requestedStep(app, req);
  const sandbox = await readySandbox(session);
  const result = await app.checkQueue.run(() => runChecks(step.checks, sandboxCheckContext(app.backend, sandbox, session.lessonOpenedAt.get(lesson.id))));
  // Only the server records a result, from checks it ran itself, with what it found;
  // nothing else in the request body is read.
  const recorded = session.learnerId ? await recordCheckRun(app, session.learnerId, lesson, step, result, 'learner') : { counted: false };
  sendJson(res, 200, { lesson: lesson.id, step: step.id, ...result, recorded });
}

export async function openStep(app: App, session: Session, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { lesson, step } = await requestedStep(app, req);
  const sandbox = await readySandbox(session);
  app.sessions.openedLesson(session, lesson.id);
  const written = await writeFiles(app.backend, sandbox, step.files, false);
  sendJson(res, 200, { lesson: lesson.id, step: step.id, written });
}
