// A learner's score for each LMS line item they launched with, worked out again whenever
// their grades may have changed (a server-side check passed, an instructor changed the
// classroom's points), and queued for the gradebook when it differs from the last one.
// A lesson link scores the points of the lesson's steps the learner passed alone (a step
// Drydock solved for them earns nothing); a classroom link scores the classroom's grade,
// as its export shows it.
import type { App } from '../app.js';
import type { GradeLink } from '../store/ltiLaunchStore.js';
import { gradeLearners } from '../classrooms/grading.js';
import type { Step } from '../lessons/lessonTypes.js';

export type ActivityProgress = 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed';

export interface Score {
  scoreGiven: number;
  scoreMaximum: number;
  activityProgress: ActivityProgress;
}

function progressOf(given: number, maximum: number, anyDone: boolean): ActivityProgress {
  if (maximum > 0 && given >= maximum) return 'Completed';
  return anyDone ? 'InProgress' : 'Started';
}

function stepPoints(step: Step): number {
  return step.checks.reduce((points, check) => points + check.points, 0);
}

/** The points a lesson's steps are worth: each step's checks' points. */
export function lessonMaximum(app: App, lessonId: string): number {
  return app.lessons.lesson(lessonId)?.steps.reduce((sum, step) => sum + stepPoints(step), 0) ?? 0;
}

async function lessonScore(app: App, learnerId: string, lessonId: string): Promise<Score | undefined> {
  const lesson = app.lessons.lesson(lessonId);
  if (!lesson) return undefined;
  const progress = (await app.progress.progress(learnerId))[lessonId];
  const alone = new Set((progress?.passed ?? []).filter((step) => !progress?.helped.includes(step)));
  const given = lesson.steps.filter((step) => alone.has(step.id)).reduce((sum, step) => sum + stepPoints(step), 0);
  const maximum = lessonMaximum(app, lessonId);
  return { scoreGiven: given, scoreMaximum: maximum, activityProgress: progressOf(given, maximum, (progress?.passed.length ?? 0) > 0) };
}

async function classroomScore(app: App, learnerId: string, classroomId: string): Promise<Score | undefined> {
  const membership = await app.classrooms.membership(learnerId);
  if (membership?.classroom.id !== classroomId) return undefined;
  const classroom = membership.classroom;
  // Grading reads only the runs; the member's name and time are for exports.
  const [grade] = gradeLearners(classroom, [{ learnerId, name: membership.name, joinedAt: '' }], await app.classrooms.countedRuns(classroomId, learnerId));
  return { scoreGiven: grade.total, scoreMaximum: grade.maxTotal, activityProgress: progressOf(grade.total, grade.maxTotal, grade.exercises.some((exercise) => exercise.achievedAt)) };
}

export function scoreOf(app: App, link: GradeLink): Promise<Score | undefined> {
  if (link.classroomId) return classroomScore(app, link.learnerId, link.classroomId);
  return link.lessonId ? lessonScore(app, link.learnerId, link.lessonId) : Promise.resolve(undefined);
}

export class GradeSync {
  /** One learner's recalculations run one after another, so scores queue in the order they happened. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly app: App,
    /** Scores were queued for the learner (for these classrooms' links, if any). */
    private readonly onQueued: (learnerId: string, classroomIds: string[]) => void,
  ) {}

  /** Works the learner's scores out again; never throws (a check's answer must not wait or fail on it). */
  learnerChanged(learnerId: string): Promise<void> {
    const previous = this.chains.get(learnerId) ?? Promise.resolve();
    const next = previous.then(() => this.sync(learnerId)).catch((error: Error) => console.error(`LTI: the scores of learner ${learnerId} could not be queued: ${error.message}`));
    this.chains.set(learnerId, next);
    void next.then(() => {
      if (this.chains.get(learnerId) === next) this.chains.delete(learnerId);
    });
    return next;
  }

  private async sync(learnerId: string): Promise<void> {
    let queued = false;
    const classrooms = new Set<string>();
    for (const link of await this.app.lti.launches.gradeLinks(learnerId)) {
      const score = await scoreOf(this.app, link);
      // Nothing to say yet (no points in it, or nothing done): the gradebook stays empty.
      if (!score || score.scoreMaximum <= 0 || (score.scoreGiven === 0 && link.lastScore === null)) continue;
      const body = { userId: link.userId, ...score, gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() };
      if (await this.app.lti.outbox.queueIfChanged(link, JSON.stringify(score), body)) {
        queued = true;
        if (link.classroomId) classrooms.add(link.classroomId);
      }
    }
    if (queued) this.onQueued(learnerId, [...classrooms]);
  }
}
