// Grades come only from check runs the server made itself inside the classroom's open
// window. An exercise's points are the instructor's points times the best share of
// checks passed in one run (a fully passed step earns them all), with that run's time
// and evidence as proof.
import type { CheckRun, Member } from '../store/classroomStore.js';
import type { Classroom, Exercise } from './classroomTypes.js';

export interface ExerciseGrade extends Exercise {
  maxPoints: number;
  achievedAt: string | null;
  evidence: unknown;
}

export interface LearnerGrades {
  learnerId: string;
  name: string;
  joinedAt: string;
  exercises: ExerciseGrade[];
  total: number;
  maxTotal: number;
}

export function exerciseKey(lesson: string, step: string): string {
  return `${lesson}/${step}`;
}

/** Points to one decimal, so 2/3 of 10 is 6.7 and totals add up as shown. */
function roundPoints(points: number): number {
  return Math.round(points * 10) / 10;
}

/** The points a classroom's exercises are worth together, as its grades show them. */
export function classroomMaxPoints(classroom: Pick<Classroom, 'exercises'>): number {
  return roundPoints(classroom.exercises.reduce((sum, exercise) => sum + exercise.points, 0));
}

export function gradeLearners(classroom: Classroom, members: Member[], countedRuns: CheckRun[]): LearnerGrades[] {
  const best = new Map<string, CheckRun>();
  for (const run of countedRuns) {
    if (share(run) <= 0) continue;
    const key = `${run.learnerId} ${exerciseKey(run.lesson, run.step)}`;
    const held = best.get(key);
    // The earliest run with the best share wins: the time a learner first reached it.
    if (!held || share(run) > share(held)) best.set(key, run);
  }
  const maxTotal = classroomMaxPoints(classroom);
  return members.map((member) => {
    const exercises = classroom.exercises.map((exercise): ExerciseGrade => {
      const run = best.get(`${member.learnerId} ${exerciseKey(exercise.lesson, exercise.step)}`);
      return {
        ...exercise,
        points: run ? roundPoints(exercise.points * share(run)) : 0,
        maxPoints: exercise.points,
        achievedAt: run?.ranAt ?? null,
        evidence: run?.evidence ?? null,
      };
    });
    return { ...member, exercises, total: roundPoints(exercises.reduce((sum, exercise) => sum + exercise.points, 0)), maxTotal };
  });
}

/** The share of a step's checks' points one run earned (a passed step with no points is 1). */
function share(run: CheckRun): number {
  if (run.passed) return 1;
  return run.maxPoints > 0 ? run.points / run.maxPoints : 0;
}

/** One row per learner: name, joined, each exercise's points, total (RFC 4180 quoting). */
export function gradesCsv(classroom: Classroom, grades: LearnerGrades[]): string {
  const header = ['learner', 'joined_at', ...classroom.exercises.map((exercise) => `${exerciseKey(exercise.lesson, exercise.step)} (${exercise.points})`), `total (${classroomMaxPoints(classroom)})`];
  const rows = grades.map((learner) => [learner.name, learner.joinedAt, ...learner.exercises.map((exercise) => String(exercise.points)), String(learner.total)]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string): string {
  // A leading = + - @ would run as a formula in a spreadsheet: a learner's name must not.
  const safe = /^[=+\-@\t\r]/.test(value) && Number.isNaN(Number(value)) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
