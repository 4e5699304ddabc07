// Test servers (test-<pid>-…) and the lesson harness (verify-<pid>) name their sandboxes
// after their process. When such a process dies mid-run (killed, crashed), its sandboxes
// and their disks stay behind, and the disks hold room on the host's disk that no new
// sandbox may then take: remove them, so runs on one machine never pile them up.
import type Docker from 'dockerode';
import { removeDisksOfInstances } from '../../sandbox-server/src/engine/sandboxDisk.js';

const PROCESS_INSTANCE = /^(?:test|verify)-(\d+)(?:-|$)/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function ofDeadProcess(instance: string): boolean {
  const pid = Number(PROCESS_INSTANCE.exec(instance)?.[1]);
  return Boolean(pid) && !processAlive(pid);
}

export async function removeSandboxesOfDeadProcesses(docker: Docker, dataDir: string): Promise<void> {
  const sandboxes = await docker.listContainers({ all: true, filters: { label: ['drydock.sandbox'] } });
  for (const sandbox of sandboxes) {
    if (ofDeadProcess(sandbox.Labels['drydock.instance'] ?? '')) await docker.getContainer(sandbox.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  await removeDisksOfInstances(dataDir, ofDeadProcess);
}
