// What tells the server that a sandbox changed, for live checks: its inner engine's
// events (containers, images, volumes, networks, services) and each command a learner
// completes in a terminal (bash's prompt hook appends a line to COMMANDS_FILE; a `tail`
// in the sandbox passes it on). Both streams are the learner's to flood or kill: a flood
// past a byte budget closes them for a while, a killed one comes back with backoff.
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';

/** Appended to by the sandbox's bashrc at every prompt. */
export const COMMANDS_FILE = '/run/drydock-commands';

export type ActivitySource = 'engine' | 'command';

/** Engine actions that change what a check can see; exec_*, attach, resize and the
 * like (a health check's exec every few seconds) do not. */
const MEANINGFUL = new Set([
  'container create', 'container start', 'container die', 'container destroy', 'container rename', 'container pause', 'container unpause', 'container update',
  'image pull', 'image tag', 'image untag', 'image delete', 'image import', 'image load', 'image save',
  'volume create', 'volume destroy',
  'network create', 'network destroy', 'network connect', 'network disconnect',
  'service create', 'service update', 'service remove',
]);
const BUDGET_BYTES = 256 * 1024;
const BUDGET_WINDOW_MS = 60_000;
const RETRY_MS = [500, 1000, 2000, 5000, 10_000];

interface EngineEvent {
  Type?: string;
  Action?: string;
  Actor?: { Attributes?: Record<string, string> };
}

/** Whether an inner engine event line is a change a check could see (never the checks' own probes). */
export function meaningfulEvent(line: string): boolean {
  let event: EngineEvent;
  try {
    event = JSON.parse(line) as EngineEvent;
  } catch {
    return false;
  }
  const action = (event.Action ?? '').split(':')[0];
  if (event.Actor?.Attributes?.['drydock.check'] === 'true') return false;
  return MEANINGFUL.has(`${event.Type} ${action}`) || action === 'health_status';
}

export function watchSandboxActivity(
  host: Docker,
  sandboxId: string,
  /** The inner engine's client now (it changes when the sandbox restarts). */
  inner: () => Docker,
  onChange: (source: ActivitySource) => void,
  log: (message: string) => void = console.log,
): () => void {
  let stopped = false;
  let spent = 0;
  let windowStart = Date.now();
  const open = new Set<Duplex | NodeJS.ReadableStream>();

  const overBudget = (bytes: number): boolean => {
    const now = Date.now();
    if (now - windowStart > BUDGET_WINDOW_MS) {
      windowStart = now;
      spent = 0;
    }
    spent += bytes;
    return spent > BUDGET_BYTES;
  };

  const follow = (name: ActivitySource, connect: () => Promise<NodeJS.ReadableStream>, isChange: (line: string) => boolean) => {
    let failures = 0;
    const start = async () => {
      if (stopped) return;
      let stream: NodeJS.ReadableStream;
      try {
        stream = await connect();
      } catch {
        return retry();
      }
      if (stopped) return destroy(stream);
      open.add(stream);
      let buffer = '';
      stream.on('data', (chunk: Buffer) => {
        failures = 0;
        if (overBudget(chunk.length)) {
          log(`sandbox ${sandboxId.slice(0, 12)}: its ${name} activity passed ${BUDGET_BYTES / 1024} KiB in a minute; live checks pause for a minute`);
          spent = 0;
          windowStart = Date.now() + BUDGET_WINDOW_MS;
          return destroy(stream, BUDGET_WINDOW_MS);
        }
        buffer += chunk.toString('utf8');
        const lines = buffer.split('\n');
        buffer = lines.pop()!.slice(-4096);
        if (lines.some(isChange)) onChange(name);
      });
      const ended = () => {
        if (!open.delete(stream)) return;
        retry();
      };
      stream.on('end', ended);
      stream.on('close', ended);
      stream.on('error', ended);
    };
    const retry = (delay = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]) => {
      if (!stopped) setTimeout(() => void start(), delay).unref();
    };
    const destroy = (stream: NodeJS.ReadableStream, pauseMs?: number) => {
      open.delete(stream);
      (stream as unknown as { destroy(): void }).destroy();
      if (pauseMs) retry(pauseMs);
    };
    void start();
  };

  follow(
    'engine',
    async () => (await inner().getEvents({ filters: { type: ['container', 'image', 'volume', 'network', 'service'] } })) as NodeJS.ReadableStream,
    meaningfulEvent,
  );
  follow(
    'command',
    async () => {
      // `tail -F` follows the file even when the learner removes and makes it again.
      const exec = await host.getContainer(sandboxId).exec({ Cmd: ['tail', '-n', '0', '-F', COMMANDS_FILE], AttachStdout: true, AttachStderr: false });
      return (await exec.start({ hijack: true, stdin: false })) as unknown as NodeJS.ReadableStream;
    },
    // The multiplexed stream's frame headers ride along: any line at all is a prompt.
    () => true,
  );

  return () => {
    stopped = true;
    for (const stream of open) (stream as unknown as { destroy(): void }).destroy();
    open.clear();
  };
}
