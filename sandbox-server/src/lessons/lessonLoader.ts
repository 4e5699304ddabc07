// Loads every lesson in lessons/ once: parses, validates, cross-checks and renders.
// One broken lesson makes the whole load fail with every problem listed, so the
// server never serves half a curriculum.
import fs from 'node:fs';
import path from 'node:path';
import { parseLesson, type ParsedLesson } from './lessonParser.js';
import { createLessonRenderer, type RenderOptions } from './lessonRenderer.js';
import { LessonError, TRACKS, type Lesson, type LessonProblem } from './lessonTypes.js';
import { CATALOG } from '../images/imageRecipes.js';

/** Image names the mirror serves; lessons may only need these. */
function catalogNames(): Set<string> {
  return new Set(['busybox', 'debian', ...CATALOG.map((recipe) => recipe.name)]);
}

/**
 * Loads lessons/*.md. With `only`, just the lessons with those ids (or whose file name
 * holds them) are loaded: the harness proves one lesson while others are being written.
 */
export async function loadLessons(dir: string, only?: string[]): Promise<Lesson[]> {
  const files = fs.readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md').sort();
  const problems: LessonProblem[] = [];
  const parsed: ParsedLesson[] = [];
  for (const name of files) {
    const file = path.join(path.basename(dir), name);
    const result = parseLesson(file, fs.readFileSync(path.join(dir, name), 'utf8'));
    const selected = !only || only.some((id) => result.lesson?.id === id || name.includes(id));
    if (!selected) continue;
    problems.push(...result.problems);
    if (result.lesson) parsed.push(result.lesson);
  }
  if (only && parsed.length === 0 && problems.length === 0) {
    problems.push({ file: path.basename(dir), line: 1, message: `no lesson matches ${only.join(', ')}` });
  }
  problems.push(...crossCheck(parsed, dir));
  if (problems.length) throw new LessonError(problems);

  const renderer = await createLessonRenderer();
  // Markdown the renderer cannot take (nesting thousands deep overflows its stack) is a
  // problem of that lesson, named at the step (or the introduction) like any other.
  const render = (lesson: ParsedLesson, markdown: string, options: RenderOptions, heading?: string): string => {
    try {
      return renderer(markdown, options);
    } catch (error) {
      const line = lineOfText(path.join(dir, path.basename(lesson.file)), heading ?? markdown.split('\n')[0]);
      problems.push({ file: lesson.file, line, message: `the Markdown cannot be rendered: ${(error as Error).message.split('\n')[0]}` });
      return '';
    }
  };
  const lessons = parsed.map((lesson) => ({
    ...lesson,
    introHtml: render(lesson, lesson.intro, { graded: lesson.graded }),
    steps: lesson.steps.map((step) => ({ ...step, html: render(lesson, step.markdown, { graded: lesson.graded, checks: step.checks }, `## ${step.title}`) })),
  }));
  if (problems.length) throw new LessonError(problems);
  return lessons.sort((a, b) => TRACKS.indexOf(a.track) - TRACKS.indexOf(b.track) || a.order - b.order);
}

/** Problems that only show across lessons or against the outside world. */
function crossCheck(lessons: ParsedLesson[], dir: string): LessonProblem[] {
  const problems: LessonProblem[] = [];
  const ids = new Map<string, string>();
  const known = catalogNames();
  for (const lesson of lessons) {
    const other = ids.get(lesson.id);
    if (other) problems.push({ file: lesson.file, line: 2, message: `lesson id "${lesson.id}" is already used by ${other}` });
    ids.set(lesson.id, lesson.file);
    for (const image of lesson.images) {
      if (!known.has(image.split(':')[0])) {
        problems.push({ file: lesson.file, line: 2, message: `image "${image}" is not in the mirror's catalog (${[...known].join(', ')})` });
      }
    }
    const text = [lesson.intro, ...lesson.steps.map((step) => step.markdown)].join('\n');
    for (const match of text.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)) {
      const href = match[1];
      if (/^[a-z]+:/i.test(href)) continue;
      if (!fs.existsSync(path.join(dir, href))) {
        const line = lineOfText(path.join(dir, path.basename(lesson.file)), match[0]);
        problems.push({ file: lesson.file, line, message: `the image ${href} does not exist in lessons/` });
      }
    }
  }
  return problems;
}

function lineOfText(file: string, needle: string): number {
  const index = fs.readFileSync(file, 'utf8').indexOf(needle);
  return index < 0 ? 1 : fs.readFileSync(file, 'utf8').slice(0, index).split('\n').length;
}
