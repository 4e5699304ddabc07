// Hands a sandbox its own cgroup v1 directories: the directory, cgroup.procs and tasks
// become the sandbox root's (a remapped uid), the limit files stay the host's. The
// inner engine can then make child cgroups for the learner's containers, but cannot
// raise the sandbox's own memory, CPU or pids limits.
import fs from 'node:fs';
import path from 'node:path';

interface Hierarchy {
  controllers: string;
  mountPoint: string;
}

function hostHierarchies(): Hierarchy[] {
  const hierarchies: Hierarchy[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [before, after] = line.split(' - ');
    if (!after) continue;
    const [fsType, , superOptions] = after.split(' ');
    if (fsType !== 'cgroup') continue;
    const mountPoint = before.split(' ')[4];
    const controllers = superOptions
      .split(',')
      .filter((option) => option !== 'rw' && option !== 'ro' && !option.startsWith('release_agent') && option !== 'clone_children' && option !== 'xattr' && option !== 'nsdelegate')
      .sort()
      .join(',');
    hierarchies.push({ controllers, mountPoint });
  }
  return hierarchies;
}

/** Remapped root of the engine (first uid/gid of the "dockremap" ranges). */
export function remappedRoot(): { uid: number; gid: number } {
  const first = (file: string) => {
    const line = fs.readFileSync(file, 'utf8').split('\n').find((entry) => entry.startsWith('dockremap:'));
    if (!line) throw new Error(`no dockremap range in ${file}`);
    return Number(line.split(':')[1]);
  };
  return { uid: first('/etc/subuid'), gid: first('/etc/subgid') };
}

export function delegateCgroups(pid: number, owner: { uid: number; gid: number }): void {
  const hierarchies = hostHierarchies();
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const match = /^\d+:([^:]+):(.*)$/.exec(line);
    if (!match) continue;
    const controllers = match[1].split(',').sort().join(',');
    const hierarchy = hierarchies.find((candidate) => candidate.controllers === controllers);
    if (!hierarchy) continue;
    const dir = path.join(hierarchy.mountPoint, match[2]);
    for (const target of [dir, path.join(dir, 'cgroup.procs'), path.join(dir, 'tasks')]) {
      if (fs.existsSync(target)) fs.chownSync(target, owner.uid, owner.gid);
    }
  }
}
