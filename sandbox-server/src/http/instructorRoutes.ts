// The instructor's side of a classroom, each route behind the classroom's instructor
// token: the settings, the live grid, grades, broadcasts, scores the LMS did not take,
// and help for one learner (re-run their checks, reset their sandbox, watch their terminal).
import type http from 'node:http';
import type { App } from '../app.js';
import type { Classroom } from '../classrooms/classroomTypes.js';
import { HttpError, readJsonBody, sendJson } from './respond.js';
import { bearerToken } from './requestAuth.js';
import { openEventStream } from './eventStream.js';
import { requestedStep, readySandbox } from './lessonRoutes.js';
import { settingsError } from './classroomRoutes.js';
import { parseClassroomChange } from '../classrooms/classroomSettings.js';
import { instructorClassroomView, learnerClassroomView } from '../classrooms/classroomViews.js';
import { liveGrid } from '../classrooms/liveGrid.js';
import { gradeLearners, gradesCsv } from '../classrooms/grading.js';
import { recordCheckRun } from '../classrooms/checkRecorder.js';
import { runChecks } from '../checks/checkEngine.js';
import { sandboxCheckContext } from '../checks/sandboxCheckContext.js';
import type { Session } from '../sessions/sessionManager.js';

const LEARNER_ROUTE = /^learners\/([A-Za-z0-9_-]{1,64})\/(checks|reset|terminal)$/;

/** The classroom named in the path, if the request carries its instructor token (404 either way). */
export async function instructorClassroom(app: App, req: http.IncomingMessage, url: URL, id: string): Promise<Classroom> {
  const token = bearerToken(req, url);
  if (!token) throw new HttpError(401, 'this needs the instructor token: Authorization: Bearer TOKEN, or ?token=TOKEN');
  const classroom = await app.classrooms.authorizeInstructor(id, token);
  if (!classroom) throw new HttpError(404, `no classroom ${id} for this token`);
  return classroom;
}

/** A member of the classroom and the sandbox of the lesson they work in now (if any). */
export async function memberSession(app: App, classroom: Classroom, learnerId: string): Promise<Session | undefined> {
  const membership = await app.classrooms.membership(learnerId);
  if (membership?.classroom.id !== classroom.id) throw new HttpError(404, `no learner ${learnerId} in this classroom`);
  return app.sessions.currentFor(learnerId);
}

function liveSession(session: Session | undefined): Session {
  if (!session || (session.state !== 'ready' && session.state !== 'starting')) throw new HttpError(409, 'the learner has no running sandbox right now');
  return session;
}

export async function handleInstructorRequest(app: App, req: http.IncomingMessage, res: http.ServerResponse, url: URL, id: string, rest: string): Promise<void> {
  const classroom = await instructorClassroom(app, req, url, id);
  const learnerRoute = LEARNER_ROUTE.exec(rest);
  if (learnerRoute) return handleLearnerHelp(app, req, res, classroom, learnerRoute[1], learnerRoute[2]);
  const route = `${req.method} ${rest}`;
  switch (route) {
    case 'GET ':
      return sendJson(res, 200, { classroom: instructorClassroomView(classroom, (await app.classrooms.members(classroom.id)).length), grid: await liveGrid(app, classroom) });
    case 'PATCH ': {
      let settings;
      try {
        settings = parseClassroomChange(await readJsonBody(req), classroom, app.lessons);
      } catch (error) {
        settingsError(error);
      }
      const updated = await app.classrooms.update(classroom.id, settings);
      app.hub.changed(classroom.id);
      // Learners' pages follow at once: closing time, graded mode, Run buttons.
      for (const member of await app.classrooms.members(classroom.id)) {
        app.hub.tellLearner(member.learnerId, 'classroom', learnerClassroomView(updated, member.name));
        // New points or exercises change grades: LMS gradebooks follow.
        void app.lti.grades.learnerChanged(member.learnerId);
      }
      return sendJson(res, 200, { classroom: instructorClassroomView(updated, (await app.classrooms.members(classroom.id)).length) });
    }
    case 'GET events': {
      const stream = openEventStream(req, res);
      stream.onClose(app.hub.watchClassroom(classroom.id, (event, data) => stream.send(event, data)));
      return;
    }
    case 'GET grades.json':
    case 'GET grades.csv': {
      const grades = gradeLearners(classroom, await app.classrooms.members(classroom.id), await app.classrooms.countedRuns(classroom.id));
      if (rest === 'grades.json') {
        return sendJson(res, 200, { classroom: instructorClassroomView(classroom, grades.length), exercises: classroom.exercises, learners: grades, exportedAt: new Date().toISOString() });
      }
      const filename = `${classroom.name.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'classroom'}-grades.csv`;
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' });
      res.end(gradesCsv(classroom, grades));
      return;
    }
    case 'POST broadcast': {
      const body = await readJsonBody(req);
      const message = typeof body.message === 'string' ? body.message.trim() : '';
      if (message.length === 0 || message.length > 500) throw new HttpError(400, 'the body needs "message": a text of 1-500 characters');
      const broadcast = await app.classrooms.addBroadcast(classroom.id, message);
      for (const member of await app.classrooms.members(classroom.id)) app.hub.tellLearner(member.learnerId, 'broadcast', broadcast);
      return sendJson(res, 201, broadcast);
    }
    case 'POST gradebook/send-again':
      // After the cause is fixed in the LMS (a locked column, grade sync switched off).
      return sendJson(res, 200, { requeued: await app.lti.sendAgain({ classroomId: classroom.id }) });
    default:
      if (['', 'events', 'grades.json', 'grades.csv', 'broadcast', 'gradebook/send-again'].includes(rest)) throw new HttpError(405, `${req.method} is not allowed on this path`);
      throw new HttpError(404, `no such route: ${req.method} ${url.pathname}`);
  }
}

async function handleLearnerHelp(app: App, req: http.IncomingMessage, res: http.ServerResponse, classroom: Classroom, learnerId: string, action: string): Promise<void> {
  const session = await memberSession(app, classroom, learnerId);
  if (action === 'terminal') throw new HttpError(426, 'the terminal is a WebSocket: connect with ws://');
  if (req.method !== 'POST') throw new HttpError(405, `use POST to ${action === 'reset' ? 'reset the sandbox' : 're-run checks'}`);
  if (action === 'checks') {
    const { lesson, step } = await requestedStep(app, req);
    if (!classroom.lessons.includes(lesson.id)) throw new HttpError(400, `lesson "${lesson.id}" is not one of this classroom's lessons`);
    // The lesson's own sandbox; a session made for no lesson in particular serves any.
    const own = app.sessions.lessonSession(learnerId, lesson.id);
    const live = liveSession(own ?? (session?.lessonId ? undefined : session));
    const sandbox = await readySandbox(live);
    const result = await app.checkQueue.run(() => runChecks(step.checks, sandboxCheckContext(app.backend, sandbox, app.sessions.historySince(live, lesson.id, step.id))));
    const recorded = await recordCheckRun(app, learnerId, lesson, step, result, 'instructor');
    return sendJson(res, 200, { lesson: lesson.id, step: step.id, ...result, recorded });
  }
  // Reset: the sandbox of the learner's current lesson goes; their page is told and
  // starts a fresh one for that lesson.
  const reset = liveSession(session);
  await app.sessions.remove(reset);
  app.hub.tellLearner(learnerId, 'reset', { session: reset.id, lesson: reset.lessonId, reason: 'Your instructor reset your sandbox: a fresh one is starting.' });
  app.hub.changed(classroom.id);
  sendJson(res, 200, { reset: true });
}
