// The lesson loader: every problem named by file, line and what is wrong; a broken
// lesson fails the whole load; a good one is parsed and rendered.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLessons } from '../../sandbox-server/src/lessons/lessonLoader.js';
import { LessonError } from '../../sandbox-server/src/lessons/lessonTypes.js';
import { loadConfig } from '../../sandbox-server/src/config.js';

const FRONT = `---
id: demo
title: Demo
summary: A demo.
level: beginner
minutes: 5
images: [nginx]
tags: []
track: foundations
order: 1
---
`;

const STEP = `
## Run it

\`\`\`bash run
docker run -d --name web nginx
\`\`\`

\`\`\`checks
- id: web
  title: web runs
  container: { name: web, state: running }
\`\`\`

\`\`\`solution
docker run -d --name web nginx
\`\`\`
`;

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function lessonsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-lessons-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

async function problemsOf(text: string): Promise<string[]> {
  try {
    await loadLessons(lessonsDir({ '01-demo.md': text }));
  } catch (error) {
    if (error instanceof LessonError) return error.problems.map((p) => `${path.basename(p.file)}:${p.line}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('the lesson loader', () => {
  it('parses and renders a good lesson', async () => {
    const [lesson] = await loadLessons(lessonsDir({ '01-demo.md': FRONT + 'Intro **text**.\n' + STEP }));
    expect(lesson).toMatchObject({ id: 'demo', level: 'beginner', track: 'foundations', graded: false });
    expect(lesson.introHtml).toContain('<strong>text</strong>');
    expect(lesson.steps[0]).toMatchObject({ id: 'run-it', index: 0, title: 'Run it' });
    expect(lesson.steps[0].checks[0]).toMatchObject({ id: 'web', kind: 'container', points: 1, timeoutMs: 10_000 });
    expect(lesson.steps[0].html).toContain('data-run="docker run -d --name web nginx"');
    expect(lesson.steps[0].html).toContain('class="shiki');
    expect(lesson.steps[0].html).toContain('You are done when');
    expect(lesson.steps[0].html).toContain('data-solution');
  });

  it('leaves solutions out of graded lessons', async () => {
    const [lesson] = await loadLessons(lessonsDir({ '01-demo.md': FRONT.replace('order: 1', 'order: 1\ngraded: true') + STEP }));
    expect(lesson.steps[0].html).not.toContain('data-solution');
    expect(lesson.steps[0].html).not.toContain('Solution');
  });

  it('names the line of an unknown front matter key', async () => {
    expect(await problemsOf(FRONT.replace('order: 1', 'order: 1\ncolour: blue') + STEP)).toEqual([
      expect.stringMatching(/^01-demo\.md:11: unknown front matter key "colour"/),
    ]);
  });

  it('names the line of a bad value', async () => {
    const problems = await problemsOf(FRONT.replace('level: beginner', 'level: expert') + STEP);
    expect(problems).toEqual([expect.stringMatching(/^01-demo\.md:5: front matter "level" must be one of beginner, intermediate, advanced/)]);
  });

  it('names the line of an unknown check setting', async () => {
    const problems = await problemsOf(FRONT + STEP.replace('state: running', 'state: running, colour: red'));
    expect(problems).toEqual([expect.stringMatching(/^01-demo\.md:22: unknown container setting "colour"/)]);
  });

  it('names the line of an unknown check kind and a check without a kind', async () => {
    const problems = await problemsOf(FRONT + STEP.replace('container: { name: web, state: running }', 'kontainer: { name: web }'));
    expect(problems).toContainEqual(expect.stringMatching(/^01-demo\.md:22: unknown check key "kontainer"/));
    expect(problems).toContainEqual(expect.stringMatching(/^01-demo\.md:20: a check needs one kind/));
  });

  it('reports YAML syntax errors at their line', async () => {
    const problems = await problemsOf(FRONT + STEP.replace('  title: web runs', '  title: [web runs'));
    expect(problems[0]).toMatch(/^01-demo\.md:2[012]: YAML:/);
  });

  it('refuses checks without a solution, duplicate ids, unsafe file paths and unknown images', async () => {
    const noSolution = await problemsOf(FRONT + STEP.replace(/```solution[\s\S]*?```/, ''));
    expect(noSolution).toEqual([expect.stringMatching(/:13: step "Run it" has checks but no solution block/)]);
    const duplicate = await problemsOf(FRONT + STEP + STEP);
    expect(duplicate).toEqual([expect.stringMatching(/another step already has the id "run-it"/)]);
    const unsafe = await problemsOf(FRONT + STEP + '\n```text file=../../etc/passwd\nx\n```\n');
    expect(unsafe).toEqual([expect.stringMatching(/file=\.\.\/\.\.\/etc\/passwd must be a path inside the working directory/)]);
    const image = await problemsOf(FRONT.replace('images: [nginx]', 'images: [nginx, mongo]') + STEP);
    expect(image).toEqual([expect.stringMatching(/image "mongo" is not in the mirror's catalog/)]);
  });

  it('reports an unclosed code block and missing front matter', async () => {
    expect(await problemsOf(FRONT + '\n## Step\n\n```bash\necho hi\n')).toEqual([expect.stringMatching(/:15: a code block opened here is never closed/)]);
    expect(await problemsOf('# No front matter\n')).toEqual([expect.stringMatching(/^01-demo\.md:1: a lesson starts with front matter/)]);
  });

  it('fails the whole load when one lesson of several is broken', async () => {
    const dir = lessonsDir({ '01-good.md': FRONT + STEP, '02-bad.md': FRONT.replace('id: demo', 'id: Bad Id') + STEP });
    await expect(loadLessons(dir)).rejects.toThrow(/02-bad\.md:2: front matter "id" must be lowercase/);
  });

  it('loads every lesson in lessons/', async () => {
    const lessons = await loadLessons(loadConfig().lessonsDir);
    expect(lessons.length).toBeGreaterThanOrEqual(1);
  });
});
