// Places files into the sandbox's working directory: a step's starting files (never
// over the learner's own edits) or a solution's files (always).
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';
import { writeFile } from '../sessions/workspaceFiles.js';
import type { ProvidedFile } from './lessonTypes.js';

export async function writeFiles(backend: SandboxBackend, sandbox: Sandbox, files: ProvidedFile[], overwrite: boolean): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    if (await writeFile(backend, sandbox, file.path, file.content, overwrite)) written.push(file.path);
  }
  return written;
}
