// KillerCoda scenarios (our own fixtures, in their format) as Drydock lessons: every
// feature the importer reads, what it refuses with file and line, and what it only warns of.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadLessons } from '../../sandbox-server/src/lessons/lessonLoader.js';
import { scenarioToLesson } from '../../sandbox-server/src/lessons/killercoda/scenarioToLesson.js';
import { convertKillercodaMarkdown } from '../../sandbox-server/src/lessons/killercoda/codeActions.js';

const SCENARIOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/scenarios');
const EMPTY_LESSONS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/lessons/sample');

async function loadScenarios() {
  const reports: string[] = [];
  const lessons = await loadLessons(EMPTY_LESSONS, undefined, [SCENARIOS], (line) => reports.push(line));
  return { lesson: lessons.find((lesson) => lesson.id === 'kc-web-and-volume')!, lessons, reports };
}

describe('a KillerCoda scenario as a lesson', () => {
  it('reads index.json: title, steps, intro and step scripts, assets with globs and modes, verify scripts, finish', async () => {
    const { lesson } = await loadScenarios();
    expect(lesson).toMatchObject({ title: 'Serve a page, keep notes in a volume', track: 'scenarios', minutes: 10, imported: 'KillerCoda scenario web-and-volume' });
    expect(lesson.steps.map((step) => step.id)).toEqual(['step1', 'step2', 'step3', 'finish']);
    const [first, second, third] = lesson.steps;
    expect(first.files.map((file) => [file.path, file.mode])).toEqual([
      ['/root/site/index.html', '+r'],
      ['/opt/tools/add-note.sh', '+x'],
    ]);
    expect(first.setup).toContain('touch /tmp/.scenario-ready'); // the intro's background
    expect(first.setup).toContain('systemctl()'); // with the shims
    expect(first.foreground?.split('\n')[0]).toBe('cd /root');
    expect(first.foreground).toContain('Your machine is ready');
    expect(first.checks).toMatchObject([{ kind: 'script', spec: { workdir: '/root', source: 'step1/verify.sh' } }]);
    expect(second.setup).toContain('touch /tmp/notes-step-opened');
    expect(second.foreground).toBe('cd /opt/tools');
    expect(third.checks).toHaveLength(1);
    expect(third.solution).toBeUndefined(); // it ships none: still loads, as imported
  });

  it('turns code actions into Run, Run with Ctrl+C, Copy-only and plain blocks, and inline Run code', async () => {
    const { lesson } = await loadScenarios();
    const html = lesson.steps[0].html;
    expect(html).toContain('<code data-run="cat site/index.html">');
    expect(html).toMatch(/class="code-block runnable" data-run="docker logs -f web"/);
    expect(html).toMatch(/data-run="docker ps" data-interrupt/);
    expect(html).toMatch(/class="code-block" data-copy="curl -s localhost:8080"/);
    expect(html).not.toContain('{{');
    // Set-up, foreground and assets run or are placed; the learner does not read them.
    expect(html).not.toContain('scenario-ready');
    expect(html).not.toContain('Hello from the scenario');
  });

  it('keeps the Solution dropdown as a guarded solution, and takes its {{exec}} blocks (not the alternative after "OR") as the step solution', async () => {
    const { lesson } = await loadScenarios();
    expect(lesson.steps[0].html).toContain('<details class="solution" data-solution><summary>Solution</summary>');
    expect(lesson.steps[0].solution?.commands).toBe('docker run -d --name web -p 8080:80 -v /root/site:/usr/share/nginx/html:ro nginx');
    expect(lesson.steps[1].solution?.commands).toContain('/opt/tools/add-note.sh "remember the milk"');
    // A plain dropdown (a tip) stays a plain dropdown.
    expect(lesson.steps[1].html).toContain('<details><summary>Tip</summary>');
  });

  it('takes "Create the `file`" and its block in a Solution dropdown as a solution file', () => {
    const converted = convertKillercodaMarkdown('<details><summary>Solution</summary>\n\nCreate the `Dockerfile`:\n\n```plain\nFROM bash\n```\n\n```\ndocker build -t x .\n```{{exec}}\n</details>');
    expect(converted.solutionFiles).toEqual([{ path: '/root/Dockerfile', content: 'FROM bash\n' }]);
    expect(converted.solution).toEqual(['docker build -t x .']);
  });

  it('leaves out what a sandbox cannot run, naming file and line, and only warns of a missing asset or an image', async () => {
    const { lessons, reports } = await loadScenarios();
    expect(lessons.filter((lesson) => lesson.imported).map((lesson) => lesson.id)).toEqual(['kc-web-and-volume']);
    const text = reports.join('\n');
    expect(text).toMatch(/refused-kubernetes\/index\.json:8: the scenario runs on the backend "kubernetes-kubeadm-2nodes"/);
    expect(text).toMatch(/refused-systemd\/init\/background\.sh:3: the scenario uses systemctl for a service other than Docker/);
    expect(text).toMatch(/refused-two-hosts\/index\.json:8: the scenario uses several hosts \(host02\)/);
    expect(text).toMatch(/refused-internet\/setup\.sh:2: the scenario downloads from the internet/);
    expect(text).toMatch(/warning: web-and-volume: asset not-shipped\.sh is listed in index\.json but not in assets\//);
    expect(scenarioToLesson(path.join(SCENARIOS, 'web-and-volume')).warnings).toContain('web-and-volume: images are not imported: shown as their description');
  });

  it("never takes a file from outside the scenario through a symbolic link (a host's file into a sandbox)", () => {
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-scenario-')), 'web-and-volume');
    fs.cpSync(path.join(SCENARIOS, 'web-and-volume'), copy, { recursive: true });
    fs.symlinkSync('/etc/passwd', path.join(copy, 'assets/site/passwd'));
    fs.rmSync(path.join(copy, 'step3/text.md'));
    fs.symlinkSync('/etc/hostname', path.join(copy, 'step3/text.md'));
    const converted = scenarioToLesson(copy);
    expect(converted.warnings).toContain('web-and-volume: asset site/passwd leads outside the scenario (a symbolic link) and is left out');
    expect(converted.problems.map((problem) => problem.message)).toEqual(['the text of step 3 step3/text.md is not a file in the scenario']);
    fs.rmSync(path.dirname(copy), { recursive: true, force: true });
  });

  it('converts a scenario into a lesson file with `npm run import`, and refuses one that cannot run', () => {
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/importScenario.ts', ...args], { encoding: 'utf8' });
    const converted = run([path.join(SCENARIOS, 'web-and-volume')]);
    expect(converted.status).toBe(0);
    expect(converted.stdout).toMatch(/^---\nid: kc-web-and-volume\n/);
    expect(converted.stderr).toContain('not-shipped.sh');
    const refused = run([path.join(SCENARIOS, 'refused-systemd')]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/cannot run in a Drydock sandbox:\n.*background\.sh:3/);
    expect(run([]).status).toBe(2);
  });
});
