// `npm run import -- <scenario dir> [--out lessons/NN-name.md]`: converts a KillerCoda
// scenario into a Drydock lesson file, for an author who wants to edit it further. It
// prints what a sandbox cannot run (and does not write), and the warnings; without
// --out the lesson goes to standard output.
import fs from 'node:fs';
import path from 'node:path';
import { parseLesson } from '../sandbox-server/src/lessons/lessonParser.js';
import { isScenarioDir, scenarioToLesson } from '../sandbox-server/src/lessons/killercoda/scenarioToLesson.js';

function main(argv: string[]): number {
  const [dir, flag, out] = argv;
  if (!dir || (flag !== undefined && (flag !== '--out' || !out))) {
    console.error('usage: npm run import -- <scenario dir> [--out lessons/NN-name.md]');
    return 2;
  }
  if (!isScenarioDir(dir)) {
    console.error(`${dir} is not a KillerCoda scenario: it has no index.json`);
    return 2;
  }
  const converted = scenarioToLesson(path.resolve(dir));
  for (const warning of converted.warnings) console.error(`warning: ${warning}`);
  const problems = converted.markdown ? parseLesson(converted.file, converted.markdown).problems : converted.problems;
  if (!converted.markdown || problems.length) {
    console.error(`${path.basename(dir)} cannot run in a Drydock sandbox:\n${problems.map((problem) => `  ${problem.file}:${problem.line}: ${problem.message}`).join('\n')}`);
    return 1;
  }
  if (!out) {
    process.stdout.write(converted.markdown);
    return 0;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, converted.markdown);
  console.error(`wrote ${out}: edit it as any lesson (lessons/README.md is the format); it keeps "imported:" so steps without a solution still load`);
  return 0;
}

process.exit(main(process.argv.slice(2)));
