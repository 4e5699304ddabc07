// Loads every lesson in lessons/ once: parses, validates, cross-checks and renders.
// One broken lesson makes the whole load fail with every problem listed, so the
// server never serves half a curriculum. Imported KillerCoda scenarios load beside
// them; one a sandbox cannot run is left out with its reasons, the rest still load.
import fs from 'node:fs';
import path from 'node:path';
import { parseLesson, type ParsedLesson } from './lessonParser.js';
import { createLessonRenderer, type RenderOptions } from './lessonRenderer.js';
import { LessonError, TRACKS, type Lesson, type LessonProblem } from './lessonTypes.js';
import { CATALOG } from '../images/imageRecipes.js';
import { scenarioDirs, scenarioToLesson } from './killercoda/scenarioToLesson.js';

/** Image names the mirror serves; lessons may only need these. */
function catalogNames(): Set<string> {
  return new Set(['busybox', 'debian', ...CATALOG.map((recipe) => recipe.name)]);
}

/**
 * Loads lessons/*.md. With `only`, just the lessons with those ids (or whose file name
 * holds them) are loaded: the harness proves one lesson while others are being written.
 */
export async function loadLessons(dir: string, only?: string[], scenarioRoots: string[] = [], report: (line: string) => void = console.log): Promise<Lesson[]> {
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
  parsed.push(...loadScenarios(scenarioRoots, only, report));
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

/** The scenarios under each root, as lessons; those that cannot run are reported and left out. */
function loadScenarios(roots: string[], only: string[] | undefined, report: (line: string) => void): ParsedLesson[] {
  const lessons: ParsedLesson[] = [];
  const dirs = roots.flatMap((root) => {
    const found = scenarioDirs(root);
    if (found.length === 0) report(`scenarios: no KillerCoda scenario (index.json) in ${root}`);
    return found;
  });
  dirs.forEach((dir, i) => {
    const converted = scenarioToLesson(dir, i + 1);
    for (const warning of converted.warnings) report(`scenario warning: ${warning}`);
    const result = converted.markdown ? parseLesson(converted.file, converted.markdown) : { problems: converted.problems };
    if (result.problems.length || !('lesson' in result) || !result.lesson) {
      report(`scenario ${path.basename(dir)} is left out:\n${result.problems.map((problem) => `  ${problem.file}:${problem.line}: ${problem.message}`).join('\n')}`);
      return;
    }
    if (!only || only.some((id) => result.lesson!.id.includes(id) || path.basename(dir).includes(id))) lessons.push(result.lesson);
  });
  return lessons;
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
  // An imported scenario's lesson has no file of its own here.
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const index = text.indexOf(needle);
  return index < 0 ? 1 : text.slice(0, index).split('\n').length;
}
