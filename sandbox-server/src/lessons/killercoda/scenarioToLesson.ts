// A KillerCoda scenario directory (index.json, step texts, verify/background/foreground
// scripts, assets) as a Drydock lesson in Drydock's own Markdown, so one parser, renderer,
// checker and harness serve both. What a sandbox cannot run is refused here, with the
// file and line; what is merely odd (an asset listed but absent) is a warning.
import fs from 'node:fs';
import path from 'node:path';
import type { LessonProblem } from '../lessonTypes.js';
import { convertKillercodaMarkdown } from './codeActions.js';
import { refusals, SETUP_SHIMS, type UsedFile } from './scenarioLimits.js';

export interface ScenarioLesson {
  /** index.json, as problems name it. */
  file: string;
  markdown?: string;
  problems: LessonProblem[];
  warnings: string[];
}

interface StepEntry {
  title?: string;
  text?: string;
  verify?: string;
  background?: string;
  foreground?: string;
}

interface Asset {
  file?: string;
  target?: string;
  chmod?: string;
}

interface IndexJson {
  title?: string;
  description?: string;
  time?: string;
  details?: { intro?: StepEntry; steps?: StepEntry[]; finish?: StepEntry; assets?: Record<string, Asset[]> };
  backend?: { imageid?: string };
}

/** KillerCoda's shells start in root's home; so do the imported scripts. */
const HOME = '/root';

export function isScenarioDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'index.json'));
}

/** The scenario folders under a folder: itself if it is one, else its sub-folders that are. */
export function scenarioDirs(dir: string): string[] {
  if (isScenarioDir(dir)) return [dir];
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && isScenarioDir(path.join(dir, entry.name)))
    .map((entry) => path.join(dir, entry.name))
    .sort();
}

export function scenarioToLesson(dir: string, order = 1): ScenarioLesson {
  const name = path.basename(dir);
  const file = path.join(name, 'index.json');
  const problems: LessonProblem[] = [];
  const warnings: string[] = [];
  const indexText = fs.readFileSync(path.join(dir, 'index.json'), 'utf8');
  const lineOf = (needle: string) => {
    const at = indexText.indexOf(needle);
    return at < 0 ? 1 : indexText.slice(0, at).split('\n').length;
  };
  let index: IndexJson;
  try {
    index = JSON.parse(indexText) as IndexJson;
  } catch (error) {
    return { file, problems: [{ file, line: 1, message: `index.json is not valid JSON: ${(error as Error).message}` }], warnings };
  }
  const details = index.details ?? {};
  const steps = details.steps ?? [];
  if (!index.title) problems.push({ file, line: 1, message: 'index.json needs a "title"' });
  if (steps.length === 0) problems.push({ file, line: lineOf('"steps"'), message: 'index.json lists no steps (details.steps)' });

  const used: UsedFile[] = [];
  /** A file the scenario names, read; a problem (or, with `optional`, a warning) when absent. */
  const read = (relative: string | undefined, what: string, optional = false): string | undefined => {
    if (!relative) return undefined;
    const full = path.join(dir, relative);
    if (!insideFolder(dir, full) || !fs.statSync(full).isFile()) {
      if (optional) warnings.push(`${name}: ${what} ${relative} is not a file in the scenario`);
      else problems.push({ file, line: lineOf(`"${relative}"`), message: `${what} ${relative} is not a file in the scenario` });
      return undefined;
    }
    const text = fs.readFileSync(full, 'utf8');
    used.push({ file: path.join(name, relative), text, kind: relative.endsWith('.md') ? 'text' : 'script' });
    return text;
  };

  const assets = readAssets(dir, details.assets?.host01 ?? [], warnings);
  for (const asset of assets) used.push({ file: path.join(name, 'assets', asset.source), text: asset.content, kind: 'script' });

  const intro = details.intro ?? {};
  const introText = read(intro.text, 'the intro text', true);
  const introConverted = convertKillercodaMarkdown(introText ?? index.description ?? '');
  warnings.push(...introConverted.warnings.map((warning) => `${name}: ${warning}`));

  const parts: string[] = [
    '---',
    `id: ${lessonId(name)}`,
    `title: ${JSON.stringify(index.title ?? name)}`,
    `summary: ${JSON.stringify(index.description || index.title || name)}`,
    'level: beginner',
    `minutes: ${minutesOf(index.time, steps.length)}`,
    'track: scenarios',
    `order: ${order}`,
    `imported: ${JSON.stringify(`KillerCoda scenario ${name}`)}`,
    '---',
    '',
    introConverted.markdown.trim(),
    '',
  ];
  const fence = (info: string, body: string) => {
    const marker = body.includes('````') ? '`````' : '````';
    return `${marker}${info}\n${body.replace(/\n+$/, '')}\n${marker}\n`;
  };

  steps.forEach((step, i) => {
    const text = read(step.text, `the text of step ${i + 1}`) ?? '';
    const converted = convertKillercodaMarkdown(text);
    warnings.push(...converted.warnings.map((warning) => `${name}: ${warning}`));
    parts.push(`## ${(step.title ?? `Step ${i + 1}`).replace(/\n/g, ' ')} {#step${i + 1}}`, '');
    const first = i === 0;
    // The intro's scripts run when the scenario starts: with the first step here.
    const background = [first ? read(intro.background, 'the intro background script') : undefined, read(step.background, `the background script of step ${i + 1}`)].filter(Boolean);
    const foreground = [first ? `cd ${HOME}` : undefined, first ? read(intro.foreground, 'the intro foreground script') : undefined, read(step.foreground, `the foreground script of step ${i + 1}`)].filter(Boolean);
    // Assets are placed, not shown, as on KillerCoda.
    if (first) for (const asset of assets) parts.push(fence(`text file=${asset.target}${asset.mode ? ` mode=${asset.mode}` : ''} hidden`, asset.content));
    if (background.length) parts.push(fence('bash setup', [SETUP_SHIMS, ...background].join('\n')));
    if (foreground.length) parts.push(fence('bash foreground', foreground.join('\n')));
    parts.push(converted.markdown.trim(), '');
    const verify = read(step.verify, `the verify script of step ${i + 1}`);
    if (verify !== undefined) {
      const spec = JSON.stringify({ run: verify, workdir: HOME, source: step.verify });
      parts.push(fence('checks', `- id: verify\n  title: ${JSON.stringify(`${step.title ?? `Step ${i + 1}`} (${step.verify})`)}\n  timeout: 60\n  script: ${spec}`));
      for (const written of converted.solutionFiles) parts.push(fence(`solution file=${written.path}`, written.content));
      if (converted.solution.length) parts.push(fence('solution', converted.solution.join('\n')));
    }
  });
  problems.push(...refusals(file, index.backend?.imageid, Object.keys(details.assets ?? {}), lineOf, used));
  if (used.some(({ text }) => /\/etc\/docker\/daemon\.json/.test(text))) warnings.push(`${name}: its set-up edits /etc/docker/daemon.json; the sandbox's engine keeps Drydock's settings (its registry mirror)`);
  const finish = read(details.finish?.text, 'the finish text', true);
  if (finish) {
    parts.push('## Finish {#finish}', '', convertKillercodaMarkdown(finish).markdown.trim(), '');
  }
  return { file, markdown: problems.length ? undefined : parts.join('\n'), problems, warnings };
}

export function lessonId(name: string): string {
  return `kc-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'scenario'}`;
}

/** "15 minutes" in index.json, else five minutes a step. */
function minutesOf(time: string | undefined, steps: number): number {
  const stated = Number(/(\d+)/.exec(time ?? '')?.[1]);
  return Number.isInteger(stated) && stated > 0 ? stated : Math.max(5, steps * 5);
}

interface PlacedAsset {
  /** Its path under assets/. */
  source: string;
  target: string;
  mode?: string;
  content: string;
}

/** host01's assets: names may be globs; KillerCoda's chmod (+x, 755) becomes the file's mode. */
function readAssets(dir: string, entries: Asset[], warnings: string[]): PlacedAsset[] {
  const assetsDir = path.join(dir, 'assets');
  const all = fs.existsSync(assetsDir) ? listFiles(assetsDir) : [];
  const placed: PlacedAsset[] = [];
  for (const entry of entries) {
    if (!entry.file || !entry.target) continue;
    const pattern = globPattern(entry.file);
    const matches = all.filter((relative) => pattern.test(relative));
    if (matches.length === 0) {
      warnings.push(`${path.basename(dir)}: asset ${entry.file} is listed in index.json but not in assets/`);
      continue;
    }
    for (const relative of matches) {
      if (!insideFolder(assetsDir, path.join(assetsDir, relative))) {
        warnings.push(`${path.basename(dir)}: asset ${relative} leads outside the scenario (a symbolic link) and is left out`);
        continue;
      }
      const content = fs.readFileSync(path.join(assetsDir, relative));
      if (content.includes(0)) {
        warnings.push(`${path.basename(dir)}: asset ${relative} is binary and is left out`);
        continue;
      }
      const target = path.posix.join(entry.target.startsWith('/') ? entry.target : `${HOME}/${entry.target}`, entry.file.includes('*') ? relative : path.basename(relative));
      placed.push({ source: relative, target, content: content.toString('utf8'), ...(entry.chmod ? { mode: entry.chmod } : {}) });
    }
  }
  return placed;
}

/** Whether a path exists and, links resolved, stays inside the folder: a scenario from a
 * public repository must not place the server's own files into a sandbox. */
function insideFolder(folder: string, file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const real = fs.realpathSync(file);
  return real.startsWith(fs.realpathSync(folder) + path.sep);
}

function listFiles(root: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(root, relative) : [relative];
  });
}

function globPattern(glob: string): RegExp {
  const source = glob
    .split('**')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
    .join('.*');
  return new RegExp(`^${source}$`);
}
