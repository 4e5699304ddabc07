// Builds the web app when its sources changed since the last build.
import fs from 'node:fs';
import path from 'node:path';
import { hashFolder, hashParts } from '../sandbox-server/src/images/imageRecipes.js';
import { run } from '../sandbox-server/src/setup/run.js';
import { step } from '../sandbox-server/src/setup/progress.js';
import { WEB_ROOT } from '../sandbox-server/src/server.js';

export async function ensureWebBuilt(): Promise<void> {
  const sources = hashParts([hashFolder(path.resolve('web')), fs.readFileSync('vite.config.ts'), fs.readFileSync('package-lock.json')]);
  const marker = path.join(WEB_ROOT, '.source-hash');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === sources) return;
  await step('building the web app', () => run('npx', ['vite', 'build', '--logLevel', 'warn']));
  fs.writeFileSync(marker, sources);
}
