// `npm run docs:lessons`: writes the check-kind reference of lessons/README.md from the
// schema (sandbox-server/src/lessons/checkSchema.ts); a unit test keeps the two equal.
import fs from 'node:fs';
import { renderCheckReference } from '../sandbox-server/src/lessons/checkSchema.js';

export const README = new URL('../lessons/README.md', import.meta.url);
export const START = '<!-- check kinds: generated from checkSchema.ts by `npm run docs:lessons` -->';
export const END = '<!-- end of check kinds -->';

/** The README with its generated section as the schema says it should be. */
export function withReference(readme: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`lessons/README.md lacks the markers ${START} … ${END}`);
  return `${readme.slice(0, from + START.length)}\n\n${renderCheckReference()}\n\n${readme.slice(to)}`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  fs.writeFileSync(README, withReference(fs.readFileSync(README, 'utf8')));
  console.log('lessons/README.md: check kinds written from the schema');
}
