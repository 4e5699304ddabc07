// Places files into the sandbox's working directory: a step's starting files (never
// over the learner's own edits) or a solution's files (always).
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';
import { WORKDIR } from '../checks/sandboxCheckContext.js';
import type { ProvidedFile } from './lessonTypes.js';

export async function writeFiles(backend: SandboxBackend, sandbox: Sandbox, files: ProvidedFile[], overwrite: boolean): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    // Paths were validated by the loader (relative, no "..", plain characters).
    const target = `${WORKDIR}/${file.path}`;
    const content = Buffer.from(file.content).toString('base64');
    const write = `mkdir -p "$(dirname '${target}')" && echo '${content}' | base64 -d > '${target}' && echo written`;
    const script = overwrite ? write : `[ -e '${target}' ] || { ${write}; }`;
    const result = await backend.exec(sandbox, ['bash', '-c', script], 10_000);
    if (result.exitCode !== 0) throw new Error(`could not write ${file.path}: ${result.output.trim()}`);
    if (result.output.includes('written')) written.push(file.path);
  }
  return written;
}
