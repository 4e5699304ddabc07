// Turns one lesson file into a Lesson, or into problems that each name file, line and
// what is wrong. Rendering to HTML is left to the renderer.
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { splitLesson, slugify, type FencedBlock, type RawStep } from './markdownBlocks.js';
import { CHECK_KINDS, COMMON_CHECK_KEYS, isPlainObject, validateKindSpec } from './checkSchema.js';
import { frontMatterProblems } from './frontMatterSchema.js';
import { type CheckKind, type CheckSpec, type Hint, type Lesson, type LessonProblem, type ProvidedFile, type Step } from './lessonTypes.js';


export type ParsedLesson = Omit<Lesson, 'introHtml' | 'steps'> & {
  intro: string;
  steps: Omit<Step, 'html'>[];
};

export function parseLesson(file: string, text: string): { lesson?: ParsedLesson; problems: LessonProblem[] } {
  const problems: LessonProblem[] = [];
  const problem = (line: number, message: string) => problems.push({ file, line, message });
  const raw = splitLesson(text);
  if ('error' in raw) {
    problem(raw.line, raw.error);
    return { problems };
  }

  const front = parseYaml(raw.frontMatter, raw.frontMatterLine, problem);
  if (!isPlainObject(front.value)) {
    problem(raw.frontMatterLine, 'the front matter must be a YAML mapping (id, title, summary, …)');
    return { problems };
  }
  const meta = front.value;
  for (const [key, message] of frontMatterProblems(meta)) problem(key ? front.lineOf([key]) : raw.frontMatterLine, message);

  if (raw.steps.length === 0) problem(raw.frontMatterLine, 'a lesson needs at least one step (a "## " heading)');
  const steps: Omit<Step, 'html'>[] = [];
  const stepIds = new Set<string>();
  raw.steps.forEach((rawStep, index) => {
    const step = parseStep(rawStep, index, problem, typeof meta.imported === 'string');
    if (stepIds.has(step.id)) problem(rawStep.line, `another step already has the id "${step.id}"; give this one {#another-id}`);
    stepIds.add(step.id);
    steps.push(step);
  });

  if (problems.length) return { problems };
  return {
    problems,
    lesson: {
      id: meta.id as string,
      file,
      title: meta.title as string,
      summary: meta.summary as string,
      level: meta.level as Lesson['level'],
      minutes: meta.minutes as number,
      images: (meta.images as string[]) ?? [],
      tags: (meta.tags as string[]) ?? [],
      track: meta.track as Lesson['track'],
      order: meta.order as number,
      graded: (meta.graded as boolean) ?? false,
      ...(typeof meta.imported === 'string' ? { imported: meta.imported } : {}),
      intro: raw.intro,
      steps,
    },
  };
}

/** An imported step may have checks and no solution (its scenario shipped none). */
function parseStep(raw: RawStep, index: number, problem: (line: number, message: string) => void, imported: boolean): Omit<Step, 'html'> {
  const id = raw.explicitId ?? slugify(raw.heading);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) problem(raw.line, `step id "${id}" must be lowercase letters, digits and dashes`);
  const files: ProvidedFile[] = [];
  const solutionFiles: ProvidedFile[] = [];
  const solutionCommands: string[] = [];
  let checks: CheckSpec[] = [];
  let hasSolution = false;
  const setup: string[] = [];
  const foreground: string[] = [];
  for (const block of raw.blocks) {
    const file = block.attributes.file;
    if (file !== undefined && (file === true || !(isSafeRelativePath(file) || isSafeAbsolutePath(file)))) {
      problem(block.line, `file=${file === true ? '' : file} must be a path inside the working directory (file=app/main.py) or an absolute one without ".." (file=/root/run.sh)`);
      continue;
    }
    const mode = block.attributes.mode;
    if (mode !== undefined && (typeof mode !== 'string' || !/^([0-7]{3,4}|[ugoa]*[-+=][rwxXst]+)$/.test(mode) || file === undefined)) {
      problem(block.line, 'mode= goes with file= and is what chmod takes, e.g. mode=755 or mode=+x');
      continue;
    }
    if (block.attributes.setup === true) setup.push(block.content);
    else if (block.attributes.foreground === true) foreground.push(block.content);
    else if (block.language === 'checks') {
      if (checks.length) problem(block.line, 'a step has one checks block; merge them');
      checks = parseChecks(block, problem);
    } else if (block.language === 'solution') {
      hasSolution = true;
      if (typeof file === 'string') solutionFiles.push({ path: file, language: languageOf(file), content: block.content + '\n' });
      else solutionCommands.push(block.content);
    } else if (typeof file === 'string') {
      files.push({ path: file, language: block.language || languageOf(file), content: block.content + '\n', ...(typeof mode === 'string' ? { mode } : {}) });
    }
  }
  if (checks.length && !hasSolution && !imported) problem(raw.line, `step "${raw.heading}" has checks but no solution block: the harness needs one to prove the step can be done`);
  return {
    id,
    index,
    title: raw.heading,
    markdown: raw.body,
    files,
    checks,
    solution: hasSolution ? { commands: solutionCommands.join('\n'), files: solutionFiles } : undefined,
    ...(setup.length ? { setup: setup.join('\n') } : {}),
    ...(foreground.length ? { foreground: foreground.join('\n') } : {}),
  };
}

function parseChecks(block: FencedBlock, problem: (line: number, message: string) => void): CheckSpec[] {
  const firstLine = block.line + 1;
  const doc = parseYaml(block.content, firstLine, problem);
  if (!Array.isArray(doc.value)) {
    problem(block.line, 'a checks block is a YAML list: "- id: …" entries');
    return [];
  }
  const checks: CheckSpec[] = [];
  const ids = new Set<string>();
  doc.value.forEach((entry: unknown, index: number) => {
    const line = doc.lineOf([index]);
    if (!isPlainObject(entry)) return problem(line, 'each check is a mapping with id, title and one kind');
    // Own keys only: "toString" or "constructor" is no kind of check.
    const kinds = Object.keys(entry).filter((key) => Object.hasOwn(CHECK_KINDS, key)) as CheckKind[];
    for (const key of Object.keys(entry)) {
      if (!Object.hasOwn(CHECK_KINDS, key) && !Object.hasOwn(COMMON_CHECK_KEYS, key)) {
        problem(doc.lineOf([index, key]), `unknown check key "${key}" (a check has id, title, points, hints, timeout and one of: ${Object.keys(CHECK_KINDS).join(', ')})`);
      }
    }
    for (const [key, setting] of Object.entries(COMMON_CHECK_KEYS)) {
      if (!(key in entry)) continue;
      const message = setting.check(entry[key]);
      if (message) problem(doc.lineOf([index, key]), `check ${key} ${message}`);
    }
    if (!('id' in entry)) problem(line, 'a check needs an id');
    if (!('title' in entry)) problem(line, 'a check needs a title that says what the learner must achieve');
    if (kinds.length !== 1) {
      return problem(line, kinds.length ? `a check has one kind; this one has ${kinds.join(' and ')}` : `a check needs one kind: ${Object.keys(CHECK_KINDS).join(', ')}`);
    }
    const kind = kinds[0];
    for (const [key, message] of validateKindSpec(kind, entry[kind])) {
      problem(doc.lineOf(key === kind ? [index, kind] : [index, kind, key]), message);
    }
    const id = asText(entry.id);
    if (ids.has(id)) problem(line, `another check in this step already has the id "${id}"`);
    ids.add(id);
    checks.push({
      id,
      title: asText(entry.title),
      points: typeof entry.points === 'number' ? entry.points : 1,
      hints: (Array.isArray(entry.hints) ? (entry.hints as (string | Hint)[]) : []).map((hint) => (typeof hint === 'string' ? { text: hint } : hint)),
      timeoutMs: (typeof entry.timeout === 'number' ? entry.timeout : 10) * 1000,
      kind,
      spec: entry[kind] as Record<string, unknown>,
      line,
    });
  });
  return checks;
}

/** Parses YAML, reporting syntax errors at their line; lineOf finds a path's line. */
function parseYaml(text: string, firstLine: number, problem: (line: number, message: string) => void) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  for (const error of doc.errors) {
    const at = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
    problem(firstLine + at - 1, `YAML: ${error.message.split('\n')[0]}`);
  }
  const lineOf = (path: (string | number)[]): number => {
    let node: unknown = doc.contents;
    let found = node as Node | undefined;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => (item.key as { value?: unknown })?.value === key);
        found = (pair?.key as Node) ?? found;
        node = pair?.value;
      } else if (isSeq(node)) {
        node = node.items[key as number];
        found = (node as Node) ?? found;
      } else break;
    }
    const offset = found?.range?.[0];
    return offset === undefined ? firstLine : firstLine + lineCounter.linePos(offset).line - 1;
  };
  let value: unknown;
  if (!doc.errors.length) {
    try {
      value = doc.toJS();
    } catch (error) {
      // An alias to no anchor, or aliases multiplying past the YAML library's limit.
      problem(firstLine, `YAML: ${(error as Error).message}`);
    }
  }
  return { value, lineOf };
}

/** A YAML value as text; an object (even one with a "toString" key) never throws. */
function asText(value: unknown): string {
  return typeof value === 'object' && value !== null ? Object.prototype.toString.call(value) : String(value);
}

function isSafeAbsolutePath(path: string): boolean {
  return path.startsWith('/') && isSafeRelativePath(path.slice(1));
}

function isSafeRelativePath(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.split('/').some((part) => part === '..' || part === '') && /^[\w./-]+$/.test(path);
}

const LANGUAGES: Record<string, string> = { py: 'python', yml: 'yaml', yaml: 'yaml', json: 'json', sh: 'bash', ini: 'ini', html: 'html', txt: 'text' };

export function languageOf(path: string): string {
  const name = path.split('/').pop() ?? '';
  if (/^dockerfile/i.test(name) || name.endsWith('.Dockerfile')) return 'dockerfile';
  if (name === '.dockerignore' || name === '.env') return 'text';
  return LANGUAGES[name.split('.').pop() ?? ''] ?? 'text';
}

