// The first terminal of a warm sandbox, opened before any learner asks for it. Opening
// a TTY process costs ~70 ms on the engine; a learner taking a warm sandbox gets this
// one at once, with the prompt it already drew.
import type { Sandbox, SandboxBackend, TerminalStream } from '../engine/sandboxBackend.js';

export const FIRST_TERMINAL = 'main';
const MAX_BUFFERED_BYTES = 256 * 1024;

interface Preopened {
  terminal: TerminalStream;
  buffered: Buffer[];
  bufferedBytes: number;
  keep: (chunk: Buffer) => void;
}

/**
 * tmux asked the (absent) terminal who it is when it attached; replayed later, the
 * browser's terminal would answer a question tmux no longer waits for, and the answer
 * would land in the shell as typed text ("0;276;0c").
 */
export function withoutTerminalQueries(output: Buffer): Buffer {
  return Buffer.from(output.toString('latin1').replace(/\x1b\[[>?]?0?[cq]/g, ''), 'latin1');
}

export class PreopenedTerminals {
  private readonly bySandbox = new Map<string, Preopened>();

  constructor(private readonly backend: SandboxBackend) {}

  async prepare(sandbox: Sandbox): Promise<void> {
    const terminal = await this.backend.openTerminal(sandbox, ['drydock-term', FIRST_TERMINAL], 120, 30);
    const entry: Preopened = { terminal, buffered: [], bufferedBytes: 0, keep: () => undefined };
    entry.keep = (chunk: Buffer) => {
      entry.buffered.push(chunk);
      entry.bufferedBytes += chunk.length;
      while (entry.bufferedBytes > MAX_BUFFERED_BYTES) entry.bufferedBytes -= entry.buffered.shift()!.length;
    };
    terminal.stream.on('data', entry.keep);
    const forget = () => this.bySandbox.get(sandbox.id) === entry && this.bySandbox.delete(sandbox.id);
    terminal.stream.once('close', forget);
    terminal.stream.once('end', forget);
    this.bySandbox.set(sandbox.id, entry);
  }

  /** The pre-opened terminal, paused, with what it printed so far; once only. */
  take(sandbox: Sandbox, name: string): { terminal: TerminalStream; buffered: Buffer[] } | undefined {
    const entry = this.bySandbox.get(sandbox.id);
    if (!entry || name !== FIRST_TERMINAL || entry.terminal.stream.destroyed) return undefined;
    this.bySandbox.delete(sandbox.id);
    entry.terminal.stream.pause();
    entry.terminal.stream.off('data', entry.keep);
    return { terminal: entry.terminal, buffered: [withoutTerminalQueries(Buffer.concat(entry.buffered))] };
  }

  discard(sandboxId: string): void {
    this.bySandbox.get(sandboxId)?.terminal.stream.destroy();
    this.bySandbox.delete(sandboxId);
  }
}
