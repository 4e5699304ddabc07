// Which steps the learner passed, per lesson, and where they left off (kept in the browser).
const KEY = 'drydock.progress';

interface Progress {
  passed: Record<string, string[]>;
  current: Record<string, number>;
  lastLesson?: string;
}

function read(): Progress {
  try {
    return { passed: {}, current: {}, ...JSON.parse(localStorage.getItem(KEY) ?? '{}') };
  } catch {
    return { passed: {}, current: {} };
  }
}

function write(progress: Progress): void {
  localStorage.setItem(KEY, JSON.stringify(progress));
}

export function passedSteps(lesson: string): string[] {
  return read().passed[lesson] ?? [];
}

export function markPassed(lesson: string, step: string): void {
  const progress = read();
  progress.passed[lesson] = [...new Set([...(progress.passed[lesson] ?? []), step])];
  write(progress);
}

export function currentStep(lesson: string): number {
  return read().current[lesson] ?? 0;
}

export function rememberStep(lesson: string, index: number): void {
  const progress = read();
  progress.current[lesson] = index;
  progress.lastLesson = lesson;
  write(progress);
}

export function lastLesson(): string | undefined {
  return read().lastLesson;
}
