// Server-sent events: a one-way live stream the browser's EventSource reconnects by
// itself. A client that stops reading loses intermediate events rather than growing the
// server's memory (every event we send is a full state, so the next one catches up).
import type http from 'node:http';

const HEARTBEAT_MS = 15_000;
const MAX_UNSENT_BYTES = 1024 * 1024;

export interface EventStream {
  send(event: string, data: unknown): void;
  onClose(listener: () => void): void;
}

export function openEventStream(req: http.IncomingMessage, res: http.ServerResponse): EventStream {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  const closeListeners: (() => void)[] = [];
  const closed = () => {
    clearInterval(heartbeat);
    for (const listener of closeListeners.splice(0)) listener();
  };
  req.socket.setTimeout(0);
  res.on('close', closed);
  return {
    send(event, data) {
      if (res.writableEnded || res.writableLength > MAX_UNSENT_BYTES) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(listener) {
      if (res.writableEnded || res.destroyed) listener();
      else closeListeners.push(listener);
    },
  };
}
