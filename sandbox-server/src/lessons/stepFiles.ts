// Places a lesson's files into the sandbox: a step's starting files (never over the
// learner's own edits) or a solution's files (always). Paths are relative to the working
// directory, or absolute for an imported scenario's assets; a file may carry a mode.
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';
import { writeFile } from '../sessions/workspaceFiles.js';
import { WORKDIR } from '../checks/sandboxCheckContext.js';
import { shellWord } from '../checks/checkTypes.js';
import type { ProvidedFile } from './lessonTypes.js';

export async function writeFiles(backend: SandboxBackend, sandbox: Sandbox, files: ProvidedFile[], overwrite: boolean): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const placed = file.path.startsWith('/') || file.mode ? await placeFile(backend, sandbox, file, overwrite) : await writeFile(backend, sandbox, file.path, file.content, overwrite);
    if (placed) written.push(file.path);
  }
  return written;
}

/** A file anywhere in the sandbox, with its mode; the lesson's author chose the path. */
async function placeFile(backend: SandboxBackend, sandbox: Sandbox, file: ProvidedFile, overwrite: boolean): Promise<boolean> {
  const target = file.path.startsWith('/') ? file.path : `${WORKDIR}/${file.path}`;
  const quoted = shellWord(target);
  const keep = overwrite ? '' : `[ -e ${quoted} ] && { cat >/dev/null; exit 5; }; `;
  const script = `${keep}mkdir -p "$(dirname ${quoted})" && cat > ${quoted}${file.mode ? ` && chmod ${file.mode} ${quoted}` : ''}`;
  const result = await backend.exec(sandbox, ['bash', '-c', script], 10_000, Buffer.from(file.content));
  if (result.exitCode === 5) return false;
  if (result.exitCode !== 0) throw new Error(`could not place ${target}: ${result.output.trim()}`);
  return true;
}

/** A step's set-up script, started in the background; its output goes to a log the
 * learner (and the scenario's own scripts) can read. */
export async function startSetup(backend: SandboxBackend, sandbox: Sandbox, stepId: string, script: string): Promise<void> {
  const log = `/var/log/drydock-setup/${stepId}.log`;
  await backend.exec(sandbox, ['bash', '-c', `mkdir -p /var/log/drydock-setup && cd /root && nohup bash -c ${shellWord(script)} > ${shellWord(log)} 2>&1 < /dev/null &`], 10_000);
}
