// Sandboxes made ahead of time, so a new learner gets one at once instead of waiting
// for a container and its engine to start.
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';

export class WarmPool {
  private readonly ready: Sandbox[] = [];
  private filling = 0;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly backend: SandboxBackend,
    private readonly size: number,
    /** Whether the server may make another sandbox now (the global cap). */
    private readonly mayCreate: () => boolean,
    private readonly onError: (error: Error) => void,
    /** Work done on a ready sandbox before it is handed out (e.g. opening its first terminal). */
    private readonly prepare: (sandbox: Sandbox) => Promise<void> = async () => undefined,
  ) {}

  get available(): number {
    return this.ready.length;
  }

  take(): Sandbox | undefined {
    const sandbox = this.ready.shift();
    this.fill();
    return sandbox;
  }

  get pendingCount(): number {
    return this.filling;
  }

  fill(): void {
    while (!this.stopped && this.ready.length + this.filling < this.size && this.mayCreate()) {
      this.filling += 1;
      const creation: Promise<void> = this.backend
        .create({ 'drydock.pool': 'true' })
        .then(async (sandbox) => {
          await this.backend.waitUntilReady(sandbox).catch(async (error) => {
            await this.backend.remove(sandbox);
            throw error;
          });
          await this.prepare(sandbox);
          if (this.stopped) return this.backend.remove(sandbox);
          this.ready.push(sandbox);
        })
        .catch((error: Error) => {
          this.onError(error);
          // Try again later rather than in a tight loop against a failing engine.
          setTimeout(() => this.fill(), 5000).unref();
        })
        .finally(() => {
          this.filling -= 1;
          this.inFlight.delete(creation);
        });
      this.inFlight.add(creation);
    }
  }

  async drain(): Promise<void> {
    this.stopped = true;
    // Sandboxes still being made remove themselves once they exist (stopped is set).
    await Promise.all(this.inFlight);
    const sandboxes = this.ready.splice(0);
    await Promise.all(sandboxes.map((sandbox) => this.backend.remove(sandbox).catch(() => undefined)));
  }
}
