// The browser's side of the classroom API: joining as a learner, the learner's live
// events, and everything an instructor does with the classroom's token.
import type { CheckAnswer } from '../api';

// The shapes are the server's own types: one definition for both ends of the API.
import type { ClassroomSettings, ClassroomState } from '../../../../sandbox-server/src/classrooms/classroomTypes';
import type { LiveGrid } from '../../../../sandbox-server/src/classrooms/liveGrid';
import type { LearnerGradebook } from '../../../../sandbox-server/src/lti/gradebookView';
import type { publicClassroomView, learnerClassroomView } from '../../../../sandbox-server/src/classrooms/classroomViews';
export type { ClassroomState, Exercise } from '../../../../sandbox-server/src/classrooms/classroomTypes';

export type PublicClassroom = ReturnType<typeof publicClassroomView>;
export type LearnerClassroom = ReturnType<typeof learnerClassroomView>;
export type Classroom = ClassroomSettings & { id: string; code: string; createdAt: string; learnerCount: number; state: ClassroomState };
export type Grid = LiveGrid;
export type CellStatus = Grid['learners'][number]['cells'][string]['status'];

export interface Broadcast {
  message: string;
  sentAt: string;
}

/** A refusal from the server, with its status so pages can word it for their reader. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function answer<T>(response: Response): Promise<T> {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(body.error ?? `${response.status} ${response.statusText}`, response.status);
  return body as T;
}

const json = (method: string, body?: unknown, token?: string): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: body === undefined ? undefined : JSON.stringify(body),
});

// Learner

export async function classroomByCode(code: string): Promise<PublicClassroom> {
  return answer(await fetch(`/api/classrooms/${encodeURIComponent(code)}/join`));
}

const LEARNER_TOKEN = 'drydock.learnerToken';

/** Joins as a new learner: the server sets the learner cookie; the token is kept here too. */
export async function joinClassroom(code: string, name: string): Promise<{ learnerId: string; token: string; classroom: LearnerClassroom }> {
  const joined = await answer<{ learnerId: string; token: string; classroom: LearnerClassroom }>(
    await fetch(`/api/classrooms/${encodeURIComponent(code)}/join`, json('POST', { name })),
  );
  localStorage.setItem(LEARNER_TOKEN, joined.token);
  return joined;
}

export function learnerToken(): string | undefined {
  return localStorage.getItem(LEARNER_TOKEN) ?? undefined;
}

export interface Me {
  learnerId: string;
  /** The name they joined with, or their LMS sent. */
  name?: string;
  /** The LMS that signed them in. */
  platform?: string;
  classroom?: LearnerClassroom;
  /** The LMS links they came by and whether their latest scores reached the gradebook. */
  gradebook?: LearnerGradebook;
}

export async function whoAmI(): Promise<Me> {
  const me = await answer<Me>(await fetch('/api/me'));
  // A token kept from another identity (the cookie was replaced) proves nobody here.
  if (!learnerToken()?.startsWith(`${me.learnerId}.`)) localStorage.removeItem(LEARNER_TOKEN);
  return me;
}

// Instructor

const TOKENS = 'drydock.instructorTokens';

export function rememberInstructorToken(id: string, token: string): void {
  const saved = JSON.parse(localStorage.getItem(TOKENS) ?? '{}');
  localStorage.setItem(TOKENS, JSON.stringify({ ...saved, [id]: token }));
}

export function instructorToken(id: string): string | undefined {
  try {
    return JSON.parse(localStorage.getItem(TOKENS) ?? '{}')[id];
  } catch {
    return undefined;
  }
}

/** Creating a classroom needs the operator's instructor key when one is set (401/403 otherwise). */
export async function createClassroom(settings: Record<string, unknown>, instructorKey?: string): Promise<{ id: string; code: string; instructorToken: string; instructorUrl: string; joinUrl: string }> {
  return answer(await fetch('/api/classrooms', json('POST', settings, instructorKey || undefined)));
}

export class InstructorApi {
  constructor(
    readonly id: string,
    readonly token: string,
  ) {}

  private url(path = ''): string {
    return `/api/classrooms/${encodeURIComponent(this.id)}${path}`;
  }

  async load(): Promise<{ classroom: Classroom; grid: Grid }> {
    return answer(await fetch(this.url(), json('GET', undefined, this.token)));
  }

  async change(settings: Partial<Classroom>): Promise<Classroom> {
    return (await answer<{ classroom: Classroom }>(await fetch(this.url(), json('PATCH', settings, this.token)))).classroom;
  }

  async broadcast(message: string): Promise<Broadcast> {
    return answer(await fetch(this.url('/broadcast'), json('POST', { message }, this.token)));
  }

  /** The scores the LMS did not take go again (after the cause was fixed there); how many. */
  async sendScoresAgain(): Promise<number> {
    return (await answer<{ requeued: number }>(await fetch(this.url('/gradebook/send-again'), json('POST', undefined, this.token)))).requeued;
  }

  async rerun(learnerId: string, lesson: string, step: string): Promise<CheckAnswer> {
    return answer(await fetch(this.url(`/learners/${learnerId}/checks`), json('POST', { lesson, step }, this.token)));
  }

  async reset(learnerId: string): Promise<void> {
    await answer(await fetch(this.url(`/learners/${learnerId}/reset`), json('POST', undefined, this.token)));
  }

  eventsUrl(): string {
    return `${this.url('/events')}?token=${encodeURIComponent(this.token)}`;
  }

  gradesUrl(format: 'csv' | 'json'): string {
    return `${this.url(`/grades.${format}`)}?token=${encodeURIComponent(this.token)}`;
  }

  watchUrl(learnerId: string, cols: number, rows: number): string {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const query = new URLSearchParams({ token: this.token, cols: String(cols), rows: String(rows) });
    return `${scheme}://${location.host}${this.url(`/learners/${learnerId}/terminal`)}?${query}`;
  }
}
