// The browser's side of the classroom API: joining as a learner, the learner's live
// events, and everything an instructor does with the classroom's token.
import type { StepResult } from '../api';

// The shapes are the server's own types: one definition for both ends of the API.
import type { ClassroomSettings, ClassroomState } from '../../../../sandbox-server/src/classrooms/classroomTypes';
import type { LiveGrid } from '../../../../sandbox-server/src/classrooms/liveGrid';
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

async function answer<T>(response: Response): Promise<T> {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
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

export async function joinClassroom(code: string, name: string): Promise<{ learnerId: string; token: string }> {
  return answer(await fetch(`/api/classrooms/${encodeURIComponent(code)}/join`, json('POST', { name })));
}

export async function whoAmI(): Promise<{ learnerId: string; classroom?: LearnerClassroom }> {
  return answer(await fetch('/api/me'));
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

export async function createClassroom(settings: Record<string, unknown>): Promise<{ id: string; code: string; instructorToken: string; instructorUrl: string; joinUrl: string }> {
  return answer(await fetch('/api/classrooms', json('POST', settings)));
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

  async rerun(learnerId: string, lesson: string, step: string): Promise<StepResult> {
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
