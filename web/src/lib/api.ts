// The browser's side of the public API. Each lesson has a sandbox of its own; their
// sessions (id + token) are kept in localStorage by lesson, so a reload or a return to
// a lesson rejoins that lesson's sandbox.
export interface SessionRef {
  id: string;
  token: string;
}

export interface PublishedPort {
  port: number;
  containerPort: number;
  container: string;
  image: string;
}

export interface SessionInfo {
  id: string;
  state: 'starting' | 'ready' | 'expired' | 'failed';
  /** When it ends unless the learner does something (typing, checks, files, Extend). */
  expiresAt: string;
  /** When it ends whatever happens: its maximum lifetime. */
  endsAt?: string;
  ports: PublishedPort[];
  error?: string;
}

const STORAGE_KEY = 'drydock.sandboxes';

function savedSessions(): Record<string, SessionRef> {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    return saved && typeof saved === 'object' && !Array.isArray(saved) ? saved : {};
  } catch {
    return {};
  }
}

/** The session of a lesson's sandbox, as this browser last knew it. */
export function savedSession(lesson: string): SessionRef | undefined {
  const saved = savedSessions()[lesson];
  return saved && typeof saved.id === 'string' && typeof saved.token === 'string' ? saved : undefined;
}

function saveSession(lesson: string, ref: SessionRef): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...savedSessions(), [lesson]: ref }));
}

export function forgetSession(lesson: string): void {
  const { [lesson]: _gone, ...rest } = savedSessions();
  localStorage.setItem(STORAGE_KEY, JSON.stringify(rest));
}

/** A new identity (joined a classroom): none of the old sandboxes are its own. */
export function forgetAllSessions(): void {
  localStorage.removeItem(STORAGE_KEY);
}

async function answer<T>(response: Response): Promise<T> {
  const body = await response.json().catch(() => ({}));
  if (response.status === 409 && Array.isArray(body.sandboxes)) throw new SandboxCapError(body.error, body.sandboxes);
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body as T;
}

/** One of the learner's running lesson sandboxes. */
export interface LearnerSandbox {
  id: string;
  lesson?: string;
  lessonTitle?: string;
  state: SessionInfo['state'];
  lastActiveAt: string;
  expiresAt: string;
}

/** The learner holds as many sandboxes as they may; these are they. */
export class SandboxCapError extends Error {
  constructor(
    message: string,
    readonly sandboxes: LearnerSandbox[],
  ) {
    super(message);
  }
}

/** A sandbox for a lesson (replacing any earlier one of this learner for it). */
export async function createSession(lesson: string): Promise<SessionRef> {
  await fetch('/api/me'); // make sure this browser is a known learner, so progress counts
  const created = await answer<SessionRef>(
    await fetch('/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lesson }) }),
  );
  const ref = { id: created.id, token: created.token };
  saveSession(lesson, ref);
  return ref;
}

/** Starts the lesson over on a fresh sandbox; the old one ends. */
export async function resetSession(lesson: string, ref: SessionRef): Promise<SessionRef> {
  const created = await answer<SessionRef>(await fetch(`/api/sessions/${ref.id}/reset`, { method: 'POST', headers: { authorization: `Bearer ${ref.token}` } }));
  const fresh = { id: created.id, token: created.token };
  saveSession(lesson, fresh);
  return fresh;
}

export async function listMySandboxes(): Promise<LearnerSandbox[]> {
  return (await answer<{ sandboxes: LearnerSandbox[] }>(await fetch('/api/me/sandboxes'))).sandboxes;
}

export async function closeMySandbox(id: string): Promise<void> {
  const response = await fetch(`/api/me/sandboxes/${encodeURIComponent(id)}`, { method: 'DELETE' });
  if (!response.ok && response.status !== 404) await answer(response);
}

export async function getSession(ref: SessionRef): Promise<SessionInfo | undefined> {
  const response = await fetch(`/api/sessions/${ref.id}`, { headers: { authorization: `Bearer ${ref.token}` } });
  if (response.status === 404) return undefined;
  return answer<SessionInfo>(response);
}

export function terminalUrl(ref: SessionRef, name: string, cols: number, rows: number): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = new URLSearchParams({ token: ref.token, name, cols: String(cols), rows: String(rows) });
  return `${scheme}://${location.host}/api/sessions/${ref.id}/terminal?${query}`;
}

export function previewUrl(ref: SessionRef, port: number): string {
  return `/api/sessions/${ref.id}/ports/${port}/?token=${encodeURIComponent(ref.token)}`;
}

export interface LessonSummary {
  id: string;
  title: string;
  summary: string;
  level: string;
  minutes: number;
  track: string;
  order: number;
  graded: boolean;
  tags: string[];
  steps: { id: string; title: string }[];
}

export interface LessonStep {
  id: string;
  index: number;
  title: string;
  html: string;
  files: string[];
  checks: { id: string; title: string; points: number }[];
  hasSolution: boolean;
}

export interface LessonDetail extends LessonSummary {
  introHtml: string;
  /** False when the learner's instructor hid the Run buttons. */
  runButtons: boolean;
  steps: LessonStep[];
}

// The check results are the server's own types: one definition for both ends of the API.
export type { CheckResult, StepResult } from '../../../sandbox-server/src/checks/checkEngine';
import type { StepResult } from '../../../sandbox-server/src/checks/checkEngine';

export async function listLessons(): Promise<LessonSummary[]> {
  return (await answer<{ lessons: LessonSummary[] }>(await fetch('/api/lessons'))).lessons;
}

export async function getLesson(id: string): Promise<LessonDetail> {
  return answer<LessonDetail>(await fetch(`/api/lessons/${encodeURIComponent(id)}`));
}

async function sessionPost<T>(ref: SessionRef, path: string, body: unknown): Promise<T> {
  const response = await fetch(`/api/sessions/${ref.id}/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ref.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return answer<T>(response);
}

export type CheckAnswer = StepResult & { recorded?: { counted: boolean; classroom?: string; reason?: string } };

export function runChecks(ref: SessionRef, lesson: string, step: string): Promise<CheckAnswer> {
  return sessionPost(ref, 'checks', { lesson, step });
}

/** The learner is still here: the idle expiry starts again (never past endsAt). */
export function extendSession(ref: SessionRef): Promise<{ expiresAt: string; endsAt: string }> {
  return sessionPost(ref, 'extend', {});
}

/** Solve (practice lessons): the server writes the step's solution files and answers its
 * commands, which the page types into the terminal; the step counts as solved with help. */
export function solveStep(ref: SessionRef, lesson: string, step: string): Promise<{ commands: string; written: string[] }> {
  return sessionPost(ref, 'solve', { lesson, step });
}

/** Opens a step; `foreground` (an imported scenario's) is for the page to type, once. */
export function openStep(ref: SessionRef, lesson: string, step: string): Promise<{ written: string[]; foreground?: string }> {
  return sessionPost(ref, 'steps', { lesson, step });
}

export interface WorkspaceEntry {
  name: string;
  path: string;
  type: 'file' | 'dir';
  size: number;
}

function authorized(ref: SessionRef): HeadersInit {
  return { authorization: `Bearer ${ref.token}`, 'content-type': 'application/json' };
}

export async function listFiles(ref: SessionRef, path: string): Promise<WorkspaceEntry[]> {
  const response = await fetch(`/api/sessions/${ref.id}/files?path=${encodeURIComponent(path)}`, { headers: authorized(ref) });
  return (await answer<{ entries: WorkspaceEntry[] }>(response)).entries;
}

export async function readFile(ref: SessionRef, path: string): Promise<string> {
  const response = await fetch(`/api/sessions/${ref.id}/file?path=${encodeURIComponent(path)}`, { headers: authorized(ref) });
  return (await answer<{ content: string }>(response)).content;
}

export async function saveFile(ref: SessionRef, path: string, content: string): Promise<void> {
  const response = await fetch(`/api/sessions/${ref.id}/file?path=${encodeURIComponent(path)}`, { method: 'PUT', headers: authorized(ref), body: JSON.stringify({ content }) });
  await answer(response);
}

/** Puts a file from the learner's computer into the working directory, bytes as they are. */
export async function uploadFile(ref: SessionRef, path: string, file: Blob): Promise<void> {
  const response = await fetch(`/api/sessions/${ref.id}/upload?path=${encodeURIComponent(path)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ref.token}`, 'content-type': 'application/octet-stream' },
    body: file,
  });
  await answer(response);
}

/** A link the browser saves as a file (the token in the query: a link cannot send headers). */
export function downloadUrl(ref: SessionRef, path: string): string {
  return `/api/sessions/${ref.id}/file?path=${encodeURIComponent(path)}&download=1&token=${encodeURIComponent(ref.token)}`;
}
