// `npm run docs:lessons`: writes the generated parts of lessons/README.md (the front
// matter's keys, the check kinds and their settings) from the schemas the loader checks
// lessons against; a unit test keeps the README equal to them.
import fs from 'node:fs';
import { renderCheckReference } from '../sandbox-server/src/lessons/checkSchema.js';
import { renderFrontMatterReference } from '../sandbox-server/src/lessons/frontMatterSchema.js';

export const README = new URL('../lessons/README.md', import.meta.url);

const SECTIONS = [
  { name: 'front matter', from: 'frontMatterSchema.ts', render: renderFrontMatterReference },
  { name: 'check kinds', from: 'checkSchema.ts', render: renderCheckReference },
];

/** The README with each generated section as its schema says it should be. */
export function withReference(readme: string): string {
  let text = readme;
  for (const section of SECTIONS) {
    const start = `<!-- ${section.name}: generated from ${section.from} by \`npm run docs:lessons\` -->`;
    const end = `<!-- end of ${section.name} -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`lessons/README.md lacks the markers ${start} … ${end}`);
    text = `${text.slice(0, from + start.length)}\n\n${section.render()}\n\n${text.slice(to)}`;
  }
  return text;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  fs.writeFileSync(README, withReference(fs.readFileSync(README, 'utf8')));
  console.log('lessons/README.md: the front matter and the check kinds written from the schemas');
}
