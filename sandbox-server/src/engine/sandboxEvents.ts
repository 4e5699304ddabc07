// Follows the host engine's container events to learn at once when a sandbox stops
// (its inner engine died, it ran out of memory, someone removed it). When the engine
// itself restarts, the event stream breaks: reconnect with backoff and say so. Events of
// a restarted engine's shutdown are gone with it, so `onReconnect` lets the caller look
// at its sandboxes again at once.
import type Docker from 'dockerode';

const RETRY_MS = [250, 500, 1000, 2000, 5000];

export function watchSandboxStops(
  docker: Docker,
  labels: Record<string, string>,
  onStop: (id: string) => void,
  onReconnect: () => void = () => undefined,
  log: (message: string) => void = console.log,
): () => void {
  let stopped = false;
  let current: NodeJS.ReadableStream | undefined;
  let failures = 0;
  let since = Math.floor(Date.now() / 1000);

  const connect = async () => {
    if (stopped) return;
    try {
      const stream = (await docker.getEvents({
        since,
        filters: { type: ['container'], event: ['die', 'destroy'], label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
      })) as NodeJS.ReadableStream;
      if (stopped) return void (stream as unknown as { destroy(): void }).destroy();
      if (failures > 0) {
        log('reconnected to the Docker engine');
        onReconnect();
      }
      failures = 0;
      current = stream;
      let buffer = '';
      stream.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          try {
            const event = JSON.parse(line) as { id?: string; time?: number };
            if (event.time) since = event.time;
            if (event.id) onStop(event.id);
          } catch {
            // not an event line
          }
        }
      });
      const retry = () => {
        if (current !== stream || stopped) return;
        current = undefined;
        log('lost the Docker engine event stream; reconnecting');
        schedule();
      };
      stream.on('end', retry);
      stream.on('error', retry);
      stream.on('close', retry);
    } catch {
      schedule();
    }
  };
  const schedule = () => {
    const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)];
    failures += 1;
    setTimeout(() => void connect(), delay).unref();
  };
  void connect();
  return () => {
    stopped = true;
    (current as unknown as { destroy?(): void } | undefined)?.destroy?.();
  };
}
