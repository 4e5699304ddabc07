// Splits a lesson's Markdown into front matter, introduction and steps, and finds the
// fenced blocks of each step with their info strings and line numbers.

export interface FencedBlock {
  language: string;
  /** Words after the language: `run`, `file=PATH`. */
  attributes: Record<string, string | true>;
  content: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export interface RawStep {
  heading: string;
  explicitId?: string;
  line: number;
  /** Markdown of the step without the heading. */
  body: string;
  blocks: FencedBlock[];
}

export interface RawLesson {
  frontMatter: string;
  frontMatterLine: number;
  intro: string;
  steps: RawStep[];
}

const FENCE = /^(`{3,}|~{3,})(.*)$/;

export function splitLesson(text: string): RawLesson | { error: string; line: number } {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[0] !== '---') return { error: 'a lesson starts with front matter: a line "---", YAML, and "---"', line: 1 };
  const end = lines.indexOf('---', 1);
  if (end < 0) return { error: 'the front matter is not closed by a line "---"', line: 1 };
  const lesson: RawLesson = { frontMatter: lines.slice(1, end).join('\n'), frontMatterLine: 2, intro: '', steps: [] };

  let current: RawStep | undefined;
  const intro: string[] = [];
  const stepLines = new Map<RawStep, string[]>();
  let body: string[] = intro;
  let fence: { marker: string; block: FencedBlock; lines: string[] } | undefined;
  for (let i = end + 1; i < lines.length; i++) {
    const line = lines[i];
    const lineNumber = i + 1;
    if (fence) {
      if (line.startsWith(fence.marker) && line.slice(fence.marker.length).trim() === '') {
        fence.block.content = fence.lines.join('\n');
        current?.blocks.push(fence.block);
        body.push(line);
        fence = undefined;
        continue;
      }
      fence.lines.push(line);
      body.push(line);
      continue;
    }
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      fence = { marker: fenceMatch[1], block: { ...parseInfo(fenceMatch[2]), content: '', line: lineNumber }, lines: [] };
      body.push(line);
      continue;
    }
    const heading = stepHeading(line);
    if (heading) {
      current = { heading: heading.title, explicitId: heading.id, line: lineNumber, body: '', blocks: [] };
      lesson.steps.push(current);
      body = [];
      stepLines.set(current, body);
      continue;
    }
    body.push(line);
  }
  if (fence) return { error: `a code block opened here is never closed (${fence.marker})`, line: fence.block.line };
  lesson.intro = intro.join('\n').trim();
  for (const step of lesson.steps) step.body = (stepLines.get(step) ?? []).join('\n').trim();
  return lesson;
}

/**
 * A step heading: "## Title" or "## Title {#id}". Read in linear time: the single regular
 * expression it replaces, /^## +(.+?)\s*(?:\{#([^}]*)\})?\s*$/, took cubic time on a
 * long run of spaces (minutes for a few thousand).
 */
function stepHeading(line: string): { title: string; id?: string } | undefined {
  const match = /^## +(.+)$/s.exec(line);
  if (!match) return undefined;
  const text = match[1].trimEnd() || match[1][0];
  // The id runs from the first "{#" after the title's first character (and after any
  // earlier "}") to the final "}".
  const open = text.endsWith('}') ? text.indexOf('{#', Math.max(1, text.lastIndexOf('}', text.length - 2) + 1)) : -1;
  if (open < 0) return { title: text };
  return { title: text.slice(0, open).trimEnd() || text[0], id: text.slice(open + 2, -1) };
}

export function parseInfo(info: string): { language: string; attributes: Record<string, string | true> } {
  const [language = '', ...words] = info.trim().split(/\s+/).filter(Boolean);
  const attributes: Record<string, string | true> = {};
  for (const word of words) {
    const [key, ...value] = word.split('=');
    attributes[key] = value.length ? value.join('=') : true;
  }
  return { language: language.toLowerCase(), attributes };
}

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}
