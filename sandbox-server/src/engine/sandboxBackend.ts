// The one interface the rest of Drydock uses to run sandboxes. The Docker-in-Docker
// backend is the default; another runtime (a microVM per learner, say) implements this.
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { ActivitySource } from './sandboxActivity.js';

export interface Sandbox {
  id: string;
  /** Address where the sandbox's published ports answer, reachable from the server. */
  address: string;
}

export interface SandboxState {
  running: boolean;
  /** The engine could not be asked (it is restarting): nothing is known. */
  unreachable?: boolean;
  innerEngineUp: boolean;
  memoryBytes?: number;
}

export interface TerminalStream {
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

export interface SandboxBackend {
  /** Starts a sandbox; its shell can be used as soon as this resolves. */
  create(labels: Record<string, string>): Promise<Sandbox>;
  /** Resolves when the sandbox's own Docker engine answers (rejects, with a reason, if it never does). */
  waitUntilReady(sandbox: Sandbox): Promise<void>;
  /** An interactive TTY process in the sandbox. */
  openTerminal(sandbox: Sandbox, command: string[], cols: number, rows: number): Promise<TerminalStream>;
  /** Runs a command to completion; `input` is written to its stdin. */
  exec(sandbox: Sandbox, command: string[], timeoutMs?: number, input?: Buffer): Promise<ExecResult>;
  inspect(sandbox: Sandbox): Promise<SandboxState>;
  remove(sandbox: Sandbox): Promise<void>;
  /** The Docker engine inside the sandbox, for checks and port listings. */
  innerEngine(sandbox: Sandbox): Docker;
  /** Calls back when the sandbox changes (its engine's events, a command completed in a
   * terminal), for live checks; returns the way to stop. */
  watchActivity(sandbox: Sandbox, onChange: (source: ActivitySource) => void): () => void;
  /** Starts a sandbox again after it stopped (its engine died); its data is kept. */
  restart(sandbox: Sandbox): Promise<Sandbox>;
  /** A running sandbox made by an earlier server process, found again (undefined if gone). */
  adopt(id: string): Promise<Sandbox | undefined>;
  /** Calls back when one of this server's sandboxes stops; follows the engine across
   * restarts, calling onReconnect when it is back (the stops while it was away are not told). */
  watchStops(onStop: (sandboxId: string) => void, onReconnect?: () => void): () => void;
  /** Why no sandbox can be made now (e.g. the host's disk could not hold it), or undefined. */
  capacityProblem(): string | undefined;
  /** Removes every sandbox this backend made (labelled as Drydock's) but those kept. */
  removeLeftovers(keep?: Set<string>): Promise<number>;
}
