// What a classroom is: a set of lessons, the steps that are graded and their points,
// a time window, a seat limit, and how much help learners get.
export interface Exercise {
  lesson: string;
  step: string;
  points: number;
}

export interface ClassroomSettings {
  name: string;
  lessons: string[];
  exercises: Exercise[];
  /** Graded mode: no solutions for learners. */
  graded: boolean;
  /** Whether lessons show their Run buttons to learners. */
  allowRun: boolean;
  maxLearners: number;
  opensAt: string;
  closesAt: string;
}

export interface Classroom extends ClassroomSettings {
  id: string;
  code: string;
  createdAt: string;
}

export type ClassroomState = 'scheduled' | 'open' | 'closed';

export function classroomState(classroom: Pick<Classroom, 'opensAt' | 'closesAt'>, now = Date.now()): ClassroomState {
  if (now < Date.parse(classroom.opensAt)) return 'scheduled';
  return now < Date.parse(classroom.closesAt) ? 'open' : 'closed';
}
