// The shape of a loaded lesson, as the server keeps it and the API serves it. The check
// kinds and their settings are defined once, in checkSchema.ts.
// The front matter's keys, likewise, in frontMatterSchema.ts.
import type { CheckKind } from './checkSchema.js';
import type { FrontMatter } from './frontMatterSchema.js';
export type { CheckKind };
export { LEVELS, TRACKS } from './frontMatterSchema.js';

export interface ProvidedFile {
  /** Relative to the working directory, or absolute (an imported scenario's assets). */
  path: string;
  language: string;
  content: string;
  /** What chmod takes: "755", "+x". */
  mode?: string;
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


export interface Step {
  id: string;
  index: number;
  title: string;
  markdown: string;
  html: string;
  files: ProvidedFile[];
  checks: CheckSpec[];
  solution?: { commands: string; files: ProvidedFile[] };
  /** Run in the sandbox, in the background, when the step is first opened (a scenario's background script). */
  setup?: string;
  /** Typed into the learner's terminal when the step is first opened (a scenario's foreground script). */
  foreground?: string;
}

export interface Lesson extends Omit<FrontMatter, 'images' | 'tags' | 'graded'> {
  file: string;
  images: string[];
  tags: string[];
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
