// The picker's side of deep linking: what a teacher may add to their course, and their
// choice, which goes back to the LMS as a signed form post.
import type { LessonSummary } from '../api';
import type { ClassroomState } from '../../../../sandbox-server/src/classrooms/classroomTypes';
import { answer } from '../classroom/classroomApi';

export interface PickChoices {
  platform: string;
  course: string | null;
  lessons: (LessonSummary & { points: number })[];
  classrooms: { id: string; name: string; lessons: string[]; points: number; state: ClassroomState; closesAt: string }[];
}

export type Choice = { lesson: string } | { classroom: string } | { newClassroom: Record<string, unknown> };

function url(pick: string): string {
  return `/api/lti/picks/${encodeURIComponent(pick)}`;
}

export async function pickChoices(pick: string): Promise<PickChoices> {
  return answer(await fetch(url(pick)));
}

/** Sends the choice, then posts Drydock's signed answer to the LMS (this page leaves). */
export async function choose(pick: string, choice: Choice): Promise<void> {
  const { action, jwt } = await answer<{ action: string; jwt: string }>(
    await fetch(url(pick), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(choice) }),
  );
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = action;
  const field = document.createElement('input');
  field.type = 'hidden';
  field.name = 'JWT';
  field.value = jwt;
  form.append(field);
  document.body.append(form);
  form.submit();
}
