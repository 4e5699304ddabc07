// `--scenarios DIR` (repeatable) on the command line: folders of KillerCoda scenarios to
// serve beside the lessons, added to those DRYDOCK_SCENARIOS names.
import path from 'node:path';
import type { DrydockConfig } from '../sandbox-server/src/config.js';

export function withScenarioArgs(config: DrydockConfig, argv: string[]): DrydockConfig {
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--scenarios') throw new Error(`unknown argument ${argv[i]} (use --scenarios DIR)`);
    if (!argv[i + 1]) throw new Error('--scenarios needs a folder');
    dirs.push(path.resolve(argv[++i]));
  }
  return { ...config, scenarioDirs: [...config.scenarioDirs, ...dirs] };
}
