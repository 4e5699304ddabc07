// What each audience sees of a classroom: the public join page, a member learner, and
// the instructor (everything but the token, which is only ever shown once).
import type { Classroom } from './classroomTypes.js';
import { classroomState } from './classroomTypes.js';

export function publicClassroomView(classroom: Classroom, learnerCount: number) {
  return {
    name: classroom.name,
    code: classroom.code,
    state: classroomState(classroom),
    opensAt: classroom.opensAt,
    closesAt: classroom.closesAt,
    graded: classroom.graded,
    seatsLeft: Math.max(0, classroom.maxLearners - learnerCount),
  };
}

export function learnerClassroomView(classroom: Classroom, displayName: string) {
  return {
    id: classroom.id,
    code: classroom.code,
    name: classroom.name,
    displayName,
    graded: classroom.graded,
    allowRun: classroom.allowRun,
    lessons: classroom.lessons,
    opensAt: classroom.opensAt,
    closesAt: classroom.closesAt,
    state: classroomState(classroom),
  };
}

export function instructorClassroomView(classroom: Classroom, learnerCount: number) {
  return { ...classroom, learnerCount, state: classroomState(classroom) };
}
