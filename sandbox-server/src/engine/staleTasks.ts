// A sandbox started while Drydock's engine shuts down can leave its task behind: a
// containerd shim that outlives the engine, with its bundle, while the engine's next
// containerd has no record of it. Every later start of that sandbox then fails with
// "task …: already exists". Only Drydock's own engine is cleaned this way (its exec root
// is known); the engine has no running container under such a task.
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../setup/run.js';

const NAMESPACE = 'moby';

/** The shims of this engine's containerd, by task id. */
function shims(execRoot: string): Map<string, number[]> {
  const socket = path.join(execRoot, 'containerd', 'containerd.sock');
  const found = new Map<string, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (!args[0]?.endsWith('containerd-shim-runc-v2') || args[args.indexOf('-address') + 1] !== socket) continue;
    const id = args[args.indexOf('-id') + 1];
    if (id) found.set(id, [...(found.get(id) ?? []), Number(entry)]);
  }
  return found;
}

/** Clears what is left of a task, so the container can start again. */
export async function clearStaleTask(execRoot: string, id: string): Promise<void> {
  if (!/^[a-f0-9]{64}$/.test(id)) return;
  const socket = path.join(execRoot, 'containerd', 'containerd.sock');
  // Known to containerd: it deletes the task itself.
  await run('ctr', ['--address', socket, '--namespace', NAMESPACE, 'task', 'delete', '--force', id], { quiet: true }).catch(() => undefined);
  // Unknown to it: a container process of the task, then its shim and its bundle.
  await run('runc', ['--root', path.join(execRoot, 'runtime-runc', NAMESPACE), 'delete', '--force', id], { quiet: true }).catch(() => undefined);
  for (const pid of shims(execRoot).get(id) ?? []) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const bundle = path.join(execRoot, 'containerd', 'daemon', 'io.containerd.runtime.v2.task', NAMESPACE, id);
  await run('umount', ['-l', path.join(bundle, 'rootfs')], { quiet: true }).catch(() => undefined);
  fs.rmSync(bundle, { recursive: true, force: true });
}

/** Clears the tasks of containers the engine no longer has (left by earlier runs). */
export async function clearOrphanTasks(execRoot: string, listContainerIds: () => Promise<Set<string>>): Promise<number> {
  // Shims first, containers second: a container made in between is listed, never taken for an orphan.
  const tasks = [...shims(execRoot).keys()];
  const containers = await listContainerIds();
  const orphans = tasks.filter((id) => !containers.has(id));
  for (const id of orphans) await clearStaleTask(execRoot, id);
  return orphans.length;
}
