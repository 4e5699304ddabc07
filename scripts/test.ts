// `npm test`: set up whatever is missing, then run every test (unit, integration with
// the real engine) and close with one plain line: "N passed, M failed".
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../sandbox-server/src/config.js';
import { setUpHost } from '../sandbox-server/src/setup/setupHost.js';
import { ensureWebBuilt } from './webBuild.js';
import { run } from '../sandbox-server/src/setup/run.js';
import { step } from '../sandbox-server/src/setup/progress.js';

const REPORT = 'test-artifacts/vitest.json';

try {
  await setUpHost(loadConfig());
  await ensureWebBuilt();
  await step('type-checking', () => run('npx', ['tsc', '--noEmit', '-p', '.']));
} catch (error) {
  console.error(`\nSet-up for the tests failed: ${(error as Error).message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

fs.mkdirSync('test-artifacts', { recursive: true });
fs.rmSync(REPORT, { force: true });
const extraArgs = process.argv.slice(2);
const vitest = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${REPORT}`, ...extraArgs], {
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
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(vitest.status === 0 && failed === 0 ? 0 : 1);
