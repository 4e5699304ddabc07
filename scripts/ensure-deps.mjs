// Installs npm dependencies when they are missing or older than the lock file,
// so `npm start` and `npm test` work on a fresh clone. Plain JS: it runs before tsx exists.
import { execSync } from 'node:child_process';
import fs from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !fs.existsSync(marker) || fs.statSync(marker).mtimeMs < fs.statSync('package-lock.json').mtimeMs;
if (stale) {
  console.log('• installing npm dependencies…');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
