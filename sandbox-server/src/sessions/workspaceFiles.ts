// The learner's files in the sandbox's working directory, for the Files tab: list a
// folder, read a file (to edit or to download), write a file (saved from the editor or
// uploaded). What is saved is what `docker build` sees.
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';
import { WORKDIR } from '../checks/sandboxCheckContext.js';
import { HttpError } from '../http/respond.js';

/** The editor opens and saves text files up to this size. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Uploads and downloads of any file, up to this size. */
export const MAX_TRANSFER_BYTES = 16 * 1024 * 1024;
/** Read in pieces: a command's output is capped below a megabyte, and base64 grows by a third. */
const READ_CHUNK_BYTES = 512 * 1024;

export interface WorkspaceEntry {
  name: string;
  path: string;
  type: 'file' | 'dir';
  size: number;
}

/** A path inside the working directory: relative, no "..", no odd characters. */
export function checkedPath(path: string): string {
  const clean = path.replace(/^\/+|\/+$/g, '');
  if (clean === '') return '';
  if (clean.split('/').some((part) => part === '..' || part === '.' || part === '') || !/^[\w.@+ -][\w./@+ -]*$/.test(clean)) {
    throw new HttpError(400, `"${path}" is not a path inside the working directory`);
  }
  return clean;
}

function quoted(path: string): string {
  return `'${`${WORKDIR}/${path}`.replace(/'/g, `'\\''`)}'`;
}

export async function listFolder(backend: SandboxBackend, sandbox: Sandbox, path: string): Promise<WorkspaceEntry[]> {
  const folder = checkedPath(path);
  const script = `cd ${quoted(folder)} 2>/dev/null || exit 3; find . -mindepth 1 -maxdepth 1 -not -name '.*' -printf '%y\\t%s\\t%f\\n' -o -name '.*' -printf '%y\\t%s\\t%f\\n' | sort -k3 | head -500`;
  const result = await backend.exec(sandbox, ['bash', '-c', script], 10_000);
  if (result.exitCode === 3) throw new HttpError(404, `there is no folder ${folder || '.'} in the working directory`);
  return result.output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, size, name] = line.split('\t');
      return { name, path: folder ? `${folder}/${name}` : name, type: kind === 'd' ? 'dir' : 'file', size: Number(size) } as WorkspaceEntry;
    })
    .filter((entry) => entry.name !== undefined);
}

export async function readFile(backend: SandboxBackend, sandbox: Sandbox, path: string): Promise<string> {
  return (await readBytes(backend, sandbox, path, MAX_FILE_BYTES, 'open it in the terminal')).toString('utf8');
}

/** A file's bytes, read a piece at a time; refused (413) past `maxBytes`. */
export async function readBytes(backend: SandboxBackend, sandbox: Sandbox, path: string, maxBytes = MAX_TRANSFER_BYTES, instead = 'copy it in the terminal'): Promise<Buffer> {
  const file = checkedPath(path);
  const sized = await backend.exec(sandbox, ['bash', '-c', `f=${quoted(file)}; [ -f "$f" ] || exit 3; stat -c %s "$f"`], 10_000);
  if (sized.exitCode === 3) throw new HttpError(404, `there is no file ${file}`);
  const size = Number(sized.output.trim());
  if (sized.exitCode !== 0 || !Number.isInteger(size)) throw new HttpError(409, `could not read ${file}: ${sized.output.trim()}`);
  if (size > maxBytes) throw new HttpError(413, `${file} is larger than ${maxBytes / 1024} KiB; ${instead}`);
  const pieces: Buffer[] = [];
  for (let index = 0; index * READ_CHUNK_BYTES < size; index++) {
    const script = `dd if=${quoted(file)} bs=${READ_CHUNK_BYTES} skip=${index} count=1 status=none | base64 -w0`;
    const piece = await backend.exec(sandbox, ['bash', '-c', script], 10_000);
    if (piece.exitCode !== 0) throw new HttpError(409, `could not read ${file}: ${piece.output.trim()}`);
    pieces.push(Buffer.from(piece.output.trim(), 'base64'));
  }
  return Buffer.concat(pieces);
}

/** Writes a file (content through stdin, so size is no command-line matter). With
 * overwrite false an existing file is left as it is. Answers whether it wrote. */
export async function writeFile(backend: SandboxBackend, sandbox: Sandbox, path: string, content: string | Buffer, overwrite = true, maxBytes = MAX_FILE_BYTES): Promise<boolean> {
  const file = checkedPath(path);
  if (file === '') throw new HttpError(400, 'a file needs a name');
  if (Buffer.byteLength(content) > maxBytes) throw new HttpError(413, `files are limited to ${maxBytes / 1024} KiB`);
  const keep = overwrite ? '' : '[ -e "$f" ] && { cat >/dev/null; exit 5; }; ';
  const script = `f=${quoted(file)}; ${keep}mkdir -p "$(dirname "$f")" && cat > "$f"`;
  const result = await backend.exec(sandbox, ['bash', '-c', script], 10_000, Buffer.from(content));
  if (result.exitCode === 5) return false;
  if (result.exitCode !== 0) throw new HttpError(409, `could not save ${file}: ${result.output.trim()}`);
  return true;
}
