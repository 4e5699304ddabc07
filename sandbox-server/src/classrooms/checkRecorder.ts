// Every check run the server makes for a learner is kept with its evidence. It counts
// for the learner's classroom only when the lesson belongs to the classroom and the
// classroom is open: a run after closing time is kept but never graded.
import type { App } from '../app.js';
import type { StepResult } from '../checks/checkEngine.js';
import type { Lesson, Step } from '../lessons/lessonTypes.js';
import { classroomState } from './classroomTypes.js';
import type { CheckRun } from '../store/classroomStore.js';

export interface Recorded {
  counted: boolean;
  classroom?: string;
  reason?: string;
}

export async function recordCheckRun(app: App, learnerId: string, lesson: Lesson, step: Step, result: StepResult, ranBy: CheckRun['ranBy']): Promise<Recorded> {
  const membership = await app.classrooms.membership(learnerId);
  const classroom = membership && membership.classroom.lessons.includes(lesson.id) ? membership.classroom : undefined;
  const state = classroom ? classroomState(classroom) : undefined;
  const evidence = result.results.map(({ id, passed, message }) => ({ id, passed, message }));
  const ranAt = new Date().toISOString();
  await app.classrooms.recordRun({
    learnerId,
    classroomId: classroom?.id,
    lesson: lesson.id,
    step: step.id,
    passed: result.passed,
    points: result.points,
    maxPoints: result.maxPoints,
    evidence,
    ranBy,
    counted: state === 'open',
    ranAt,
  });
  if (result.passed) await app.progress.recordPassed(learnerId, lesson.id, step.id, result.points, result.maxPoints, evidence);
  // Scores passed back to an LMS follow (queued here, sent in the background).
  void app.lti.grades.learnerChanged(learnerId);
  if (!classroom) return { counted: false };
  app.hub.changed(classroom.id);
  if (state === 'scheduled') return { counted: false, classroom: classroom.id, reason: `the classroom opens at ${classroom.opensAt}: runs before then are not graded` };
  if (state === 'closed') return { counted: false, classroom: classroom.id, reason: `the classroom closed at ${classroom.closesAt}: this run is not graded` };
  return { counted: true, classroom: classroom.id };
}
