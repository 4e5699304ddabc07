// The loaded lessons, looked up by id and step (id or index), and their public views.
import type { Lesson, Step } from './lessonTypes.js';
import { withoutSolutions } from './lessonRenderer.js';

export class LessonCatalog {
  private readonly byId: Map<string, Lesson>;

  constructor(readonly lessons: Lesson[]) {
    this.byId = new Map(lessons.map((lesson) => [lesson.id, lesson]));
  }

  lesson(id: string): Lesson | undefined {
    return this.byId.get(id);
  }

  /** A step by its id or its 0-based index. */
  step(lesson: Lesson, ref: string | number): Step | undefined {
    if (typeof ref === 'number' || /^\d+$/.test(ref)) return lesson.steps[Number(ref)];
    return lesson.steps.find((step) => step.id === ref);
  }

  summaries() {
    return this.lessons.map((lesson) => ({
      id: lesson.id,
      title: lesson.title,
      summary: lesson.summary,
      level: lesson.level,
      minutes: lesson.minutes,
      track: lesson.track,
      order: lesson.order,
      graded: lesson.graded,
      tags: lesson.tags,
      images: lesson.images,
      steps: lesson.steps.map((step) => ({ id: step.id, title: step.title })),
    }));
  }

  /** What the browser needs to show a lesson; graded lessons (and lessons in a graded
   * classroom) never carry solutions. */
  view(lesson: Lesson, { hideSolutions = false, runButtons = true } = {}) {
    const [summary] = this.summaries().filter((entry) => entry.id === lesson.id);
    return {
      ...summary,
      introHtml: lesson.introHtml,
      runButtons,
      steps: lesson.steps.map((step) => ({
        id: step.id,
        index: step.index,
        title: step.title,
        html: hideSolutions ? withoutSolutions(step.html) : step.html,
        files: step.files.map((file) => file.path),
        checks: step.checks.map((check) => ({ id: check.id, title: check.title, points: check.points })),
        hasSolution: Boolean(step.solution) && !lesson.graded && !hideSolutions,
      })),
    };
  }
}
