// Lessons and their checks: GET /api/lessons, GET /api/lessons/:id,
// POST /api/sessions/:id/checks, POST /api/sessions/:id/steps (open a step) and
// POST /api/sessions/:id/solve (Solve: the step's solution, for practice only).
import type http from 'node:http';
import type { App } from '../app.js';
import type { Session } from '../sessions/sessionManager.js';
import type { Lesson, Step } from '../lessons/lessonTypes.js';
import { runChecks } from '../checks/checkEngine.js';
import { sandboxCheckContext } from '../checks/sandboxCheckContext.js';
import { startSetup, writeFiles } from '../lessons/stepFiles.js';
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

/** The lesson and step a request body names: { lesson, step } with step as id or index;
 * with a session, it must be that session's lesson (each lesson has its own sandbox). */
export async function requestedStep(app: App, req: http.IncomingMessage, session?: Session): Promise<{ lesson: Lesson; step: Step }> {
  const body = await readJsonBody(req);
  if (typeof body.lesson !== 'string') throw new HttpError(400, 'the body needs "lesson": a lesson id');
  if (typeof body.step !== 'string' && !Number.isInteger(body.step)) throw new HttpError(400, 'the body needs "step": a step id or index');
  const lesson = app.lessons.lesson(body.lesson);
  if (!lesson) throw new HttpError(404, `no lesson "${body.lesson}"`);
  const step = app.lessons.step(lesson, body.step as string | number);
  if (!step) throw new HttpError(404, `lesson "${lesson.id}" has no step ${JSON.stringify(body.step)}`);
  if (session?.lessonId && session.lessonId !== lesson.id) throw new HttpError(409, `this sandbox is for the lesson "${session.lessonId}"; lesson "${lesson.id}" has its own`);
  return { lesson, step };
}

/** The session's sandbox once it is ready (waits while it starts). */
export async function readySandbox(session: Session) {
  if (session.state === 'starting') await session.ready;
  if (session.state !== 'ready' || !session.sandbox) throw new HttpError(409, `the session is ${session.state}; start a new one`);
  return session.sandbox;
}

export async function runStepChecks(app: App, session: Session, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { lesson, step } = await requestedStep(app, req, session);
  const sandbox = await readySandbox(session);
  const result = await app.checkQueue.run(() => runChecks(step.checks, sandboxCheckContext(app.backend, sandbox, app.sessions.historySince(session, lesson.id, step.id))));
  // Only the server records a result, from checks it ran itself, with what it found;
  // nothing else in the request body is read.
  const recorded = session.learnerId ? await recordCheckRun(app, session.learnerId, lesson, step, result, 'learner') : { counted: false };
  sendJson(res, 200, { lesson: lesson.id, step: step.id, ...result, recorded });
}

export async function openStep(app: App, session: Session, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { lesson, step } = await requestedStep(app, req, session);
  const sandbox = await readySandbox(session);
  const first = app.sessions.openedStep(session, lesson.id, step.id);
  const written = await writeFiles(app.backend, sandbox, step.files, false);
  // A scenario's background script starts, and its foreground script is for the page to
  // type into the terminal: once, at the step's first opening in this sandbox.
  if (first && step.setup) await startSetup(app.backend, sandbox, step.id, step.setup);
  // From now on the step's checks follow the sandbox (practice steps only).
  app.live.follow(session, lesson, step).catch((error: Error) => console.log(`live checks of ${session.id}: ${error.message}`));
  sendJson(res, 200, { lesson: lesson.id, step: step.id, written, ...(first && step.foreground ? { foreground: step.foreground } : {}) });
}

/** Solve, for practice: writes the step's solution files and answers its commands for
 * the page to type into the learner's terminal; the step is marked solved with help.
 * Never in a graded lesson, nor in a classroom in graded mode (solutions stay hidden). */
export async function solveStep(app: App, session: Session, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { lesson, step } = await requestedStep(app, req, session);
  if (lesson.graded) throw new HttpError(403, `"${lesson.title}" is graded: its steps are yours to solve`);
  const classroom = session.learnerId ? (await app.classrooms.membership(session.learnerId))?.classroom : undefined;
  if (classroom?.graded) throw new HttpError(403, `the classroom "${classroom.name}" is in graded mode: Solve is off`);
  if (!step.solution) throw new HttpError(404, `step "${step.id}" has no solution to apply`);
  const sandbox = await readySandbox(session);
  app.sessions.openedStep(session, lesson.id, step.id);
  const written = await writeFiles(app.backend, sandbox, step.solution.files, true);
  if (session.learnerId) await app.progress.recordHelped(session.learnerId, lesson.id, step.id);
  sendJson(res, 200, { lesson: lesson.id, step: step.id, commands: step.solution.commands, written });
}
