// The learner's progress, kept by the server (an anonymous identity in a cookie):
// which steps passed — recorded by the server when its checks pass — and where the
// learner is in each lesson. The last lesson opened is remembered in the browser.
export interface LessonProgress {
  passed: string[];
  /** Steps solved with Solve: passed with help once their checks pass. */
  helped: string[];
  current: number;
}

const LAST_LESSON = 'drydock.lastLesson';

export async function loadProgress(): Promise<Record<string, LessonProgress>> {
  const response = await fetch('/api/progress');
  if (!response.ok) return {};
  return ((await response.json()) as { lessons: Record<string, LessonProgress> }).lessons;
}

export async function rememberStep(lesson: string, index: number): Promise<void> {
  localStorage.setItem(LAST_LESSON, lesson);
  await fetch(`/api/progress/${encodeURIComponent(lesson)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ current: index }),
  }).catch(() => undefined);
}

export function lastLesson(): string | undefined {
  return localStorage.getItem(LAST_LESSON) ?? undefined;
}
