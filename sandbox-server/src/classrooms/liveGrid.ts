// The instructor's view of a classroom: learners by steps, each cell passed, passed
// with help (Solve), failed or not tried, with each learner's sandbox state and points.
import type { App } from '../app.js';
import type { Classroom } from './classroomTypes.js';
import { instructorClassroomView } from './classroomViews.js';
import { exerciseKey, gradeLearners } from './grading.js';
import { gradebookCell } from '../lti/gradebookView.js';

export type CellStatus = 'passed' | 'helped' | 'failed' | 'untried';

export interface GridCell {
  status: CellStatus;
  tries: number;
  points: number;
  lastRanAt: string | null;
}

export async function liveGrid(app: App, classroom: Classroom) {
  const members = await app.classrooms.members(classroom.id);
  const [summaries, countedRuns, helped, scores, course] = await Promise.all([
    app.classrooms.stepSummaries(classroom.id),
    app.classrooms.countedRuns(classroom.id),
    app.progress.helpedSteps(members.map((member) => member.learnerId)),
    app.lti.outbox.latestForClassroom(classroom.id),
    app.lti.launches.courseOf(classroom.id),
  ]);
  const points = new Map(classroom.exercises.map((exercise) => [exerciseKey(exercise.lesson, exercise.step), exercise.points]));
  const columns = classroom.lessons.flatMap((lessonId) => {
    const lesson = app.lessons.lesson(lessonId);
    if (!lesson) return [];
    return lesson.steps.map((step) => ({
      lesson: lesson.id,
      lessonTitle: lesson.title,
      step: step.id,
      stepTitle: step.title,
      points: points.get(exerciseKey(lesson.id, step.id)) ?? null,
    }));
  });
  const summaryOf = new Map(summaries.map((summary) => [`${summary.learnerId} ${exerciseKey(summary.lesson, summary.step)}`, summary]));
  const grades = new Map(gradeLearners(classroom, members, countedRuns).map((grade) => [grade.learnerId, grade]));
  const learners = members.map((member) => {
    const grade = grades.get(member.learnerId)!;
    const earned = new Map(grade.exercises.map((exercise) => [exerciseKey(exercise.lesson, exercise.step), exercise.points]));
    const cells: Record<string, GridCell> = {};
    for (const column of columns) {
      const key = exerciseKey(column.lesson, column.step);
      const summary = summaryOf.get(`${member.learnerId} ${key}`);
      cells[key] = {
        status: !summary ? 'untried' : !summary.passed ? 'failed' : helped.get(member.learnerId)?.has(key) ? 'helped' : 'passed',
        tries: summary?.tries ?? 0,
        points: earned.get(key) ?? 0,
        lastRanAt: summary?.lastRanAt ?? null,
      };
    }
    // The sandbox of the lesson the learner works in now, the one shadowing shows.
    const session = app.sessions.currentFor(member.learnerId);
    return { ...member, sandbox: session?.state ?? 'none', sandboxLesson: session?.lessonId ?? null, cells, total: grade.total, maxTotal: grade.maxTotal, gradebook: gradebookCell(scores.get(member.learnerId)) };
  });
  return {
    classroom: instructorClassroomView(classroom, members.length),
    /** The LMS course the classroom belongs to, when it came from one: its grid shows the gradebook column. */
    course: course ? { title: course.contextTitle } : null,
    columns,
    learners,
    generatedAt: new Date().toISOString(),
  };
}

export type LiveGrid = Awaited<ReturnType<typeof liveGrid>>;
