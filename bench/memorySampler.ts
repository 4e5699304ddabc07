// Samples memory while a benchmark runs: the host's MemAvailable low-water mark and
// this process's peak RSS (the server runs in it).
import fs from 'node:fs';

function memAvailableMb(): number {
  const line = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return line ? Number(line[1]) / 1024 : NaN;
}

export class MemorySampler {
  readonly startAvailableMb = memAvailableMb();
  lowestAvailableMb = this.startAvailableMb;
  readonly startRssMb = process.memoryUsage().rss / 1024 / 1024;
  peakRssMb = this.startRssMb;
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 500) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  sample(): void {
    this.lowestAvailableMb = Math.min(this.lowestAvailableMb, memAvailableMb());
    this.peakRssMb = Math.max(this.peakRssMb, process.memoryUsage().rss / 1024 / 1024);
  }

  /** MemAvailable now, for stopping a ramp before the machine runs short. */
  availableMb(): number {
    return memAvailableMb();
  }

  stop() {
    clearInterval(this.timer);
    this.sample();
    return {
      hostAvailableAtStartMb: Math.round(this.startAvailableMb),
      hostAvailableLowestMb: Math.round(this.lowestAvailableMb),
      hostUsedByRunMb: Math.round(this.startAvailableMb - this.lowestAvailableMb),
      serverRssStartMb: Math.round(this.startRssMb),
      serverRssPeakMb: Math.round(this.peakRssMb),
    };
  }
}
