// The shape of a loaded lesson, as the server keeps it and the API serves it.
export const LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export const TRACKS = ['foundations', 'building', 'running', 'shipping', 'capstones'] as const;

export interface ProvidedFile {
  path: string;
  language: string;
  content: string;
}

export interface Hint {
  text: string;
  /** Shown only when the check's finding has this code. */
  when?: string;
}

export interface CheckSpec {
  id: string;
  title: string;
  points: number;
  hints: Hint[];
  timeoutMs: number;
  kind: CheckKind;
  /** The kind's own settings, validated by the loader. */
  spec: Record<string, unknown>;
  /** Where the check is written, for error messages. */
  line: number;
}

export type CheckKind = 'container' | 'image' | 'volume' | 'network' | 'compose' | 'service' | 'file' | 'http' | 'history' | 'command';

export interface Step {
  id: string;
  index: number;
  title: string;
  markdown: string;
  html: string;
  files: ProvidedFile[];
  checks: CheckSpec[];
  solution?: { commands: string; files: ProvidedFile[] };
}

export interface Lesson {
  id: string;
  file: string;
  title: string;
  summary: string;
  level: (typeof LEVELS)[number];
  minutes: number;
  images: string[];
  tags: string[];
  track: (typeof TRACKS)[number];
  order: number;
  graded: boolean;
  introHtml: string;
  steps: Step[];
}

/** A problem in a lesson file, located precisely. */
export interface LessonProblem {
  file: string;
  line: number;
  message: string;
}

export class LessonError extends Error {
  constructor(readonly problems: LessonProblem[]) {
    super(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`).join('\n'));
  }
}
