// `npm test`: set up whatever is missing, then run every test (unit, integration with
// the real engine) and close with one plain line: "N passed, M failed".
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../sandbox-server/src/config.js';
import { setUpHost } from '../sandbox-server/src/setup/setupHost.js';
import { ensureWebBuilt } from './webBuild.js';
import { run } from '../sandbox-server/src/setup/run.js';
import { step } from '../sandbox-server/src/setup/progress.js';
import { CHROMIUM } from '../test/support/browser.js';
import { ensurePostgres } from '../test/support/postgresServer.js';

const REPORT = 'test-artifacts/vitest.json';

/** Debian's chromium, which playwright-core drives (no browser download of its own). */
async function ensureChromium(): Promise<void> {
  if (fs.existsSync(CHROMIUM)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium'], { env }).catch(async () => {
    await run('apt-get', ['update', '-q'], { env });
    await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium'], { env });
  });
}

try {
  await setUpHost(loadConfig());
  await ensureWebBuilt();
  await step('type-checking', () => run('npx', ['tsc', '--noEmit', '-p', '.']));
  await step('Chromium for the browser tests', ensureChromium);
  await step('PostgreSQL for the store tests', ensurePostgres);
} catch (error) {
  console.error(`\nSet-up for the tests failed: ${(error as Error).message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

fs.mkdirSync('test-artifacts', { recursive: true });
fs.rmSync(REPORT, { force: true });
const extraArgs = process.argv.slice(2);
spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${REPORT}`, ...extraArgs], {
  stdio: 'inherit',
});

let passed = 0;
let failed = 0;
if (fs.existsSync(REPORT)) {
  const report = JSON.parse(fs.readFileSync(REPORT, 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.success || report.numFailedTests > 0 ? 0 : 1);
} else {
  failed = 1;
}
console.log(`\nunit and integration tests: ${passed} passed, ${failed} failed`);

// Every lesson, proven in real sandboxes; its own last line counts the lessons.
let lessonsPassed = 0;
let lessonsFailed = 0;
if (extraArgs.length === 0) {
  console.log('\n• verifying every lesson in real sandboxes…');
  const harness = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verifyLessons.ts', '--scenarios', 'test/fixtures/scenarios'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(harness.stdout);
  const counts = /^(\d+) passed, (\d+) failed$/m.exec(harness.stdout);
  lessonsPassed = counts ? Number(counts[1]) : 0;
  lessonsFailed = counts ? Number(counts[2]) : 1;
  if (!counts || harness.status !== 0) lessonsFailed = Math.max(lessonsFailed, 1);
}
console.log(`\n${passed + lessonsPassed} passed, ${failed + lessonsFailed} failed`);
process.exit(failed + lessonsFailed === 0 ? 0 : 1);
