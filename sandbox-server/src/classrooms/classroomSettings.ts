// Checks what an instructor sends when creating or changing a classroom, naming the
// field and what is wrong; fills in what was left out (every step graded at its
// checks' points, open now for three hours, 30 seats).
import type { LessonCatalog } from '../lessons/lessonCatalog.js';
import type { ClassroomSettings, Exercise } from './classroomTypes.js';

export class SettingsError extends Error {}

const DEFAULT_HOURS = 3;
export const MAX_SEATS = 500;
const EDITABLE = ['name', 'lessons', 'exercises', 'graded', 'allowRun', 'maxLearners', 'opensAt', 'closesAt'];

export function parseNewClassroom(body: Record<string, unknown>, catalog: LessonCatalog, now = new Date()): ClassroomSettings {
  rejectUnknown(body);
  const lessons = lessonIds(body.lessons, catalog);
  const opensAt = body.opensAt === undefined ? now.toISOString() : time(body.opensAt, 'opensAt');
  const closesAt = body.closesAt === undefined ? hoursLater(opensAt, DEFAULT_HOURS) : time(body.closesAt, 'closesAt');
  const settings: ClassroomSettings = {
    name: classroomName(body.name),
    lessons,
    exercises: body.exercises === undefined ? defaultExercises(lessons, catalog) : exercises(body.exercises, lessons, catalog),
    graded: flag(body.graded, 'graded', false),
    allowRun: flag(body.allowRun, 'allowRun', true),
    maxLearners: seats(body.maxLearners ?? 30),
    opensAt,
    closesAt,
  };
  checkWindow(settings);
  return settings;
}

/** An instructor's change to an existing classroom: only the fields sent change. */
export function parseClassroomChange(body: Record<string, unknown>, current: ClassroomSettings, catalog: LessonCatalog): ClassroomSettings {
  rejectUnknown(body);
  const lessons = body.lessons === undefined ? current.lessons : lessonIds(body.lessons, catalog);
  const next: ClassroomSettings = {
    name: body.name === undefined ? current.name : classroomName(body.name),
    lessons,
    exercises: body.exercises !== undefined ? exercises(body.exercises, lessons, catalog) : body.lessons !== undefined ? defaultExercises(lessons, catalog) : current.exercises,
    graded: flag(body.graded, 'graded', current.graded),
    allowRun: flag(body.allowRun, 'allowRun', current.allowRun),
    maxLearners: body.maxLearners === undefined ? current.maxLearners : seats(body.maxLearners),
    opensAt: body.opensAt === undefined ? current.opensAt : time(body.opensAt, 'opensAt'),
    closesAt: body.closesAt === undefined ? current.closesAt : time(body.closesAt, 'closesAt'),
  };
  checkWindow(next);
  return next;
}

function rejectUnknown(body: Record<string, unknown>): void {
  const unknown = Object.keys(body).filter((key) => !EDITABLE.includes(key));
  if (unknown.length) throw new SettingsError(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `"${key}"`).join(', ')}; a classroom has ${EDITABLE.join(', ')}`);
}

function classroomName(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.trim().length > 80) throw new SettingsError('"name" must be a text of 1-80 characters');
  return value.trim();
}

function lessonIds(value: unknown, catalog: LessonCatalog): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100) throw new SettingsError('"lessons" must be a list of 1-100 lesson ids');
  for (const id of value) {
    if (typeof id !== 'string' || !catalog.lesson(id)) throw new SettingsError(`"lessons": no lesson ${JSON.stringify(id)}; see GET /api/lessons`);
  }
  return [...new Set(value as string[])];
}

function defaultExercises(lessons: string[], catalog: LessonCatalog): Exercise[] {
  return lessons.flatMap((id) =>
    catalog.lesson(id)!.steps.map((step) => ({ lesson: id, step: step.id, points: step.checks.reduce((sum, check) => sum + check.points, 0) })),
  );
}

function exercises(value: unknown, lessons: string[], catalog: LessonCatalog): Exercise[] {
  if (!Array.isArray(value) || value.length > 1000) throw new SettingsError('"exercises" must be a list of { lesson, step, points }');
  const seen = new Set<string>();
  return value.map((entry, index) => {
    const where = `"exercises"[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new SettingsError(`${where} must be { lesson, step, points }`);
    const { lesson, step, points } = entry as Record<string, unknown>;
    if (typeof lesson !== 'string' || !lessons.includes(lesson)) throw new SettingsError(`${where}: "lesson" must be one of the classroom's lessons (${lessons.join(', ')})`);
    // A step by id or 0-based index, as the checks API takes it; stored by id.
    const lessonFound = catalog.lesson(lesson)!;
    const found = typeof step === 'string' || Number.isInteger(step) ? catalog.step(lessonFound, step as string | number) : undefined;
    if (!found) {
      const ids = lessonFound.steps.map((candidate) => candidate.id).join(', ');
      throw new SettingsError(`${where}: lesson "${lesson}" has no step ${JSON.stringify(step)} (its steps: ${ids}; an id or a 0-based index)`);
    }
    if (!Number.isInteger(points) || (points as number) < 0 || (points as number) > 1000) throw new SettingsError(`${where}: "points" must be a whole number 0-1000`);
    const key = `${lesson}/${found.id}`;
    if (seen.has(key)) throw new SettingsError(`${where}: ${key} is listed twice`);
    seen.add(key);
    return { lesson, step: found.id, points: points as number };
  });
}

function flag(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new SettingsError(`"${field}" must be true or false`);
  return value;
}

function seats(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_SEATS) throw new SettingsError(`"maxLearners" must be a whole number 1-${MAX_SEATS}`);
  return value as number;
}

function time(value: unknown, field: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new SettingsError(`"${field}" must be a date and time, e.g. "2026-11-25T14:00:00Z"`);
  return new Date(ms).toISOString();
}

function hoursLater(iso: string, hours: number): string {
  const later = new Date(Date.parse(iso) + hours * 3600_000);
  // Past the last date JavaScript knows (+275760-09-13) there is none: refused, not a RangeError.
  if (Number.isNaN(later.getTime())) throw new SettingsError('"opensAt" is too far in the future');
  return later.toISOString();
}

function checkWindow(settings: ClassroomSettings): void {
  if (Date.parse(settings.closesAt) <= Date.parse(settings.opensAt)) throw new SettingsError('"closesAt" must be after "opensAt"');
}

/** A display name: trimmed, 1-40 characters, no control characters. */
export function displayName(value: unknown): string {
  if (typeof value !== 'string') throw new SettingsError('the body needs "name": your display name');
  const name = value.replace(/\s+/g, ' ').trim();
  if (name.length === 0 || name.length > 40) throw new SettingsError('"name" must be 1-40 characters');
  if (/[\p{Cc}\p{Cf}]/u.test(name)) throw new SettingsError('"name" must not contain control characters');
  return name;
}

/** Names that differ only in case, accents' composition or spacing are the same seat. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLocaleLowerCase('en');
}
