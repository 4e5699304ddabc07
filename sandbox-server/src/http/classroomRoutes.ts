// Creating a classroom and joining one: POST /api/classrooms, GET and POST
// /api/classrooms/:code/join. Everything else under a classroom is the instructor's
// (instructorRoutes.ts).
import type http from 'node:http';
import type { App } from '../app.js';
import { HttpError, readJsonBody, sendJson } from './respond.js';
import { bearerToken } from './requestAuth.js';
import { setLearnerCookie } from './learnerRoutes.js';
import { tokensMatch } from '../sessions/tokens.js';
import { displayName, nameKey, parseNewClassroom, SettingsError } from '../classrooms/classroomSettings.js';
import { classroomState, type Classroom } from '../classrooms/classroomTypes.js';
import { learnerClassroomView, publicClassroomView } from '../classrooms/classroomViews.js';
import { JoinRefused } from '../store/classroomStore.js';

export const CLASSROOM_PATH = /^\/api\/classrooms\/([A-Za-z0-9_-]{1,64})(?:\/(.*))?$/;

export function settingsError(error: unknown): never {
  if (error instanceof SettingsError) throw new HttpError(400, error.message);
  throw error;
}

export async function createClassroom(app: App, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'POST') throw new HttpError(405, 'use POST to create a classroom');
  if (app.config.instructorKey) {
    const key = bearerToken(req, url);
    if (!key) throw new HttpError(401, 'creating a classroom needs the instructor key: Authorization: Bearer KEY');
    if (!tokensMatch(app.config.instructorKey, key)) throw new HttpError(403, 'that is not the instructor key');
  }
  const body = await readJsonBody(req);
  let settings;
  try {
    settings = parseNewClassroom(body, app.lessons);
  } catch (error) {
    settingsError(error);
  }
  const { classroom, instructorToken } = await app.classrooms.create(settings);
  sendJson(res, 201, {
    id: classroom.id,
    code: classroom.code,
    instructorToken,
    instructorUrl: `/#/teach/${classroom.id}/${instructorToken}`,
    joinUrl: `/#/join/${classroom.code}`,
  });
}

async function classroomByCode(app: App, code: string): Promise<Classroom> {
  const classroom = await app.classrooms.byCode(code);
  if (!classroom) throw new HttpError(404, `no classroom with the code ${code.toUpperCase()}; check the code with your instructor`);
  return classroom;
}

export async function handleJoin(app: App, req: http.IncomingMessage, res: http.ServerResponse, code: string): Promise<void> {
  const classroom = await classroomByCode(app, code);
  if (req.method === 'GET') return sendJson(res, 200, publicClassroomView(classroom, (await app.classrooms.members(classroom.id)).length));
  if (req.method !== 'POST') throw new HttpError(405, 'use GET to see the classroom, POST { name } to join it');
  if (classroomState(classroom) === 'closed') throw new HttpError(403, `the classroom "${classroom.name}" closed at ${classroom.closesAt}`);
  const body = await readJsonBody(req);
  let name: string;
  try {
    name = displayName(body.name);
  } catch (error) {
    settingsError(error);
  }
  let joined;
  try {
    joined = await app.classrooms.join(classroom, name, nameKey(name));
  } catch (error) {
    if (error instanceof JoinRefused) throw new HttpError(error.reason === 'name-taken' ? 409 : 403, error.message);
    throw error;
  }
  app.hub.changed(classroom.id);
  setLearnerCookie(res, joined.credential);
  sendJson(res, 201, { learnerId: joined.learnerId, token: joined.credential, classroom: learnerClassroomView(classroom, name) });
}
