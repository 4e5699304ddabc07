// A lesson's front matter, defined once: each key, whether it is required, the rule its
// value follows and what it is for. The parser validates against it, the Lesson type
// takes its fields from it, and lessons/README.md shows it (a test keeps them equal).
import { rule, type Rule } from './schemaRules.js';

export const LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export const TRACKS = ['foundations', 'building', 'running', 'shipping', 'capstones', 'scenarios'] as const;

const text = rule<string>('text', (v) => (typeof v === 'string' && v !== '' ? undefined : 'must be a text'));
const textList = rule<string[]>('list of texts', (v) => (Array.isArray(v) && v.every((item) => typeof item === 'string') ? undefined : 'must be a list of texts'));
const oneOf = <T extends string>(choices: readonly T[]) =>
  rule<T>(choices.join(' \\| '), (v) => ((choices as readonly unknown[]).includes(v) ? undefined : `must be one of ${choices.join(', ')}`));

interface Entry {
  rule: Rule<unknown>;
  required: boolean;
  about: string;
}

export const FRONT_MATTER = {
  id: { required: true, about: 'unique across all lessons', rule: rule<string>('lowercase letters, digits and dashes', (v) => (typeof v === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(v) ? undefined : 'must be lowercase letters, digits and dashes')) },
  title: { required: true, about: 'the lesson as the catalog names it', rule: text },
  summary: { required: true, about: 'one sentence for the catalog', rule: text },
  level: { required: true, about: 'how much the learner should know already', rule: oneOf(LEVELS) },
  minutes: { required: true, about: 'estimated time', rule: rule<number>('whole number', (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'must be a whole number of minutes')) },
  images: { required: false, about: "images the lesson pulls; each must be in the mirror's catalog", rule: textList },
  tags: { required: false, about: 'words to find the lesson by', rule: textList },
  track: { required: true, about: 'the part of the course it belongs to', rule: oneOf(TRACKS) },
  order: { required: true, about: 'its position within the track', rule: rule<number>('whole number', (v) => (Number.isInteger(v) ? undefined : 'must be a whole number')) },
  graded: { required: false, about: 'capstones: solutions hidden, points count (default false)', rule: rule<boolean>('true/false', (v) => (typeof v === 'boolean' ? undefined : 'must be true or false')) },
  imported: { required: false, about: 'where an imported lesson came from; its steps may have checks and no solution', rule: rule<string>('text', (v) => (typeof v === 'string' && v !== '' ? undefined : 'must say where the lesson came from')) },
} as const satisfies Record<string, Entry>;

type Keys = typeof FRONT_MATTER;
type ValueOf<R> = R extends Rule<infer T> ? T : never;
type RequiredKey = { [K in keyof Keys]: Keys[K]['required'] extends true ? K : never }[keyof Keys];

/** The front matter of a loaded lesson: required keys present, lists defaulted. */
export type FrontMatter = { [K in RequiredKey]: ValueOf<Keys[K]['rule']> } & { [K in Exclude<keyof Keys, RequiredKey>]?: ValueOf<Keys[K]['rule']> };

/** Each problem of a front matter mapping as [key or undefined, message]. */
export function frontMatterProblems(meta: Record<string, unknown>): [string | undefined, string][] {
  const problems: [string | undefined, string][] = [];
  const keys = Object.keys(FRONT_MATTER);
  for (const key of Object.keys(meta)) if (!Object.hasOwn(FRONT_MATTER, key)) problems.push([key, `unknown front matter key "${key}" (allowed: ${keys.join(', ')})`]);
  for (const [key, entry] of Object.entries(FRONT_MATTER) as [string, Entry][]) {
    if (!(key in meta)) {
      if (entry.required) problems.push([undefined, `the front matter needs "${key}"`]);
      continue;
    }
    const complaint = entry.rule.check(meta[key]);
    if (complaint) problems.push([key, `front matter "${key}" ${complaint}`]);
  }
  return problems;
}

/** The front matter's reference, as lessons/README.md shows it. */
export function renderFrontMatterReference(): string {
  const rows = (Object.entries(FRONT_MATTER) as [string, Entry][]).map(([key, entry]) => `| \`${key}\`${entry.required ? '*' : ''} | ${entry.rule.says} | ${entry.about} |`);
  return ['| key (* required) | value | what for |', '| --- | --- | --- |', ...rows].join('\n');
}
