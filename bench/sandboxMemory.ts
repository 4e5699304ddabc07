// What one server's sandboxes weigh together, sampled while a benchmark runs: each
// sandbox container's memory cgroup (usage less inactive page cache, as `docker stats`
// counts it), summed; the peak of that sum and each sandbox's own peak. Falls back to
// the engine's stats API when a cgroup cannot be read on this host.
import fs from 'node:fs';
import type Docker from 'dockerode';

interface Tracked {
  cgroup?: { dir: string; v2: boolean };
  /** Most recent figure, MiB. */
  mb: number;
  peakMb: number;
}

const MB = 1024 * 1024;

function readNumber(file: string): number | undefined {
  try {
    const value = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function statField(file: string, field: string): number {
  try {
    const match = new RegExp(`^${field} (\\d+)$`, 'm').exec(fs.readFileSync(file, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The memory cgroup directory of a process, on cgroup v1 or v2. */
function cgroupOf(pid: number): { dir: string; v2: boolean } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const v1 = lines.find((line) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(line));
  if (v1) {
    const dir = `/sys/fs/cgroup/memory${v1.slice(v1.lastIndexOf(':') + 1)}`;
    if (fs.existsSync(`${dir}/memory.usage_in_bytes`)) return { dir, v2: false };
  }
  const unified = lines.find((line) => line.startsWith('0::'));
  if (unified) {
    const dir = `/sys/fs/cgroup${unified.slice(3)}`;
    if (fs.existsSync(`${dir}/memory.current`)) return { dir, v2: true };
  }
  return undefined;
}

export class SandboxMemory {
  private readonly tracked = new Map<string, Tracked>();
  private timer?: NodeJS.Timeout;
  private sampling = false;
  peakTotalMb = 0;
  peakCount = 0;
  samples = 0;
  /** How figures were read: 'cgroup', 'engine stats' or both. */
  readonly methods = new Set<string>();

  constructor(
    private readonly docker: Docker,
    private readonly instance: string,
  ) {}

  start(everyMs = 500): void {
    this.timer = setInterval(() => void this.sample(), everyMs);
    this.timer.unref();
  }

  async sample(): Promise<{ totalMb: number; count: number }> {
    if (this.sampling) return { totalMb: this.currentTotalMb(), count: this.tracked.size };
    this.sampling = true;
    try {
      const running = await this.docker.listContainers({ filters: { label: [`drydock.instance=${this.instance}`], status: ['running'] } });
      let total = 0;
      await Promise.all(
        running.map(async (container) => {
          let entry = this.tracked.get(container.Id);
          if (!entry) {
            const pid = (await this.docker.getContainer(container.Id).inspect().catch(() => undefined))?.State.Pid;
            entry = { cgroup: pid ? cgroupOf(pid) : undefined, mb: 0, peakMb: 0 };
            this.tracked.set(container.Id, entry);
          }
          const mb = await this.read(container.Id, entry);
          if (mb === undefined) return;
          entry.mb = mb;
          entry.peakMb = Math.max(entry.peakMb, mb);
          total += mb;
        }),
      );
      this.samples += 1;
      this.peakTotalMb = Math.max(this.peakTotalMb, total);
      this.peakCount = Math.max(this.peakCount, running.length);
      return { totalMb: total, count: running.length };
    } finally {
      this.sampling = false;
    }
  }

  private async read(id: string, entry: Tracked): Promise<number | undefined> {
    if (entry.cgroup) {
      const { dir, v2 } = entry.cgroup;
      const usage = readNumber(`${dir}/${v2 ? 'memory.current' : 'memory.usage_in_bytes'}`);
      if (usage !== undefined) {
        this.methods.add('cgroup');
        return (usage - statField(`${dir}/memory.stat`, v2 ? 'inactive_file' : 'total_inactive_file')) / MB;
      }
      entry.cgroup = undefined; // gone (the sandbox stopped): ask the engine from now on
    }
    const stats = await this.docker
      .getContainer(id)
      .stats({ stream: false })
      .catch(() => undefined);
    if (!stats?.memory_stats?.usage) return undefined;
    this.methods.add('engine stats');
    const inactive = stats.memory_stats.stats?.total_inactive_file ?? stats.memory_stats.stats?.inactive_file ?? 0;
    return (stats.memory_stats.usage - inactive) / MB;
  }

  private currentTotalMb(): number {
    let total = 0;
    for (const entry of this.tracked.values()) total += entry.mb;
    return total;
  }

  stop() {
    clearInterval(this.timer);
    const peaks = [...this.tracked.values()].map((entry) => entry.peakMb).filter((mb) => mb > 0);
    return {
      sandboxesSeen: this.tracked.size,
      sandboxesRunningPeak: this.peakCount,
      sandboxesTotalPeakMb: Math.round(this.peakTotalMb),
      perSandboxPeakMaxMb: Math.round(Math.max(0, ...peaks) * 10) / 10,
      perSandboxPeakMeanMb: peaks.length ? Math.round((peaks.reduce((sum, mb) => sum + mb, 0) / peaks.length) * 10) / 10 : 0,
      samples: this.samples,
      method: [...this.methods].join(' + ') || 'none',
    };
  }
}
