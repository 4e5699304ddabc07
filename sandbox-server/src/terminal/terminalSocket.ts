// One WebSocket per terminal: binary frames carry terminal bytes both ways, text frames
// from the client carry JSON control messages. The shell lives in a tmux session in the
// sandbox, so a reload or a dropped connection re-attaches to the same shell.
import type { WebSocket, RawData } from 'ws';
import type { SandboxBackend, TerminalStream } from '../engine/sandboxBackend.js';
import type { Session, SessionManager } from '../sessions/sessionManager.js';
import { parseControlMessage } from './controlMessages.js';
import type { PreopenedTerminals } from './preopenedTerminals.js';
import { pumpOutput } from './outputPump.js';

const READY_TIMEOUT_MS = 60_000;

export const TERMINAL_NAME = /^[A-Za-z0-9_-]{1,32}$/;

export interface TerminalRequest {
  name: string;
  cols: number;
  rows: number;
}

export async function serveTerminal(
  socket: WebSocket,
  session: Session,
  manager: SessionManager,
  backend: SandboxBackend,
  preopened: PreopenedTerminals,
  request: TerminalRequest,
): Promise<void> {
  const sendControl = (message: object) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const closeRestarting = () => {
    sendControl({ type: 'error', message: 'The sandbox stopped (its Docker engine exited); it is starting again with your files, images and volumes…' });
    socket.close(1012, 'sandbox restarting');
  };
  // A bad frame (not UTF-8, over the size limit, broken framing) can arrive before the
  // shell is open: ws closes the socket with the right code and emits 'error', which
  // without a listener throws out of the socket's data handler (an uncaught exception).
  socket.on('error', () => undefined);
  // Keystrokes typed while the sandbox or the shell is still starting are kept, not lost.
  const early: [RawData, boolean][] = [];
  const keepEarly = (data: RawData, isBinary: boolean) => early.push([data, isBinary]);
  socket.on('message', keepEarly);
  let terminal: TerminalStream;
  let replay: Buffer[] | undefined;
  try {
    // The shell is usable once the sandbox runs; `docker` in it waits for the inner engine.
    const sandbox = await withTimeout(session.started, READY_TIMEOUT_MS, 'the sandbox did not start in time');
    const taken = preopened.take(sandbox, request.name);
    if (taken) {
      terminal = taken.terminal;
      replay = taken.buffered;
    } else {
      terminal = await backend.openTerminal(sandbox, ['drydock-term', request.name], request.cols, request.rows);
    }
  } catch (error) {
    // The sandbox may have stopped a moment ago, before the server heard of it (the host
    // engine restarting): have it looked at, and let the browser wait for its restart.
    manager.noticeIfStopped(session);
    if (await sandboxStopping(session, backend)) {
      closeRestarting();
      return;
    }
    sendControl({ type: 'error', message: `Cannot open the terminal: ${(error as Error).message}` });
    socket.close(1011, 'sandbox unavailable');
    return;
  }
  if (socket.readyState !== socket.OPEN) {
    terminal.stream.destroy();
    return;
  }
  const { stream } = terminal;

  pumpOutput(stream, socket);
  if (replay) {
    // A pre-opened terminal: what it drew so far, then live output at the browser's size.
    for (const chunk of replay) socket.send(chunk, { binary: true });
    void terminal.resize(request.cols, request.rows);
    stream.resume();
  }
  stream.on('end', async () => {
    // The shell ended because the whole sandbox stopped: say so; the server starts it
    // again and the browser's reconnect waits for it.
    if (await sandboxStopping(session, backend)) return closeRestarting();
    sendControl({ type: 'exit' });
    socket.close(1000, 'terminal ended');
  });
  stream.on('error', () => socket.close(1011, 'terminal stream failed'));

  const onMessage = (data: RawData, isBinary: boolean) => {
    manager.touch(session);
    if (isBinary) {
      if (!stream.write(toBuffer(data))) {
        socket.pause();
        stream.once('drain', () => socket.resume());
      }
      return;
    }
    const message = parseControlMessage(toBuffer(data).toString('utf8'));
    if (message.type === 'resize') void terminal.resize(message.cols, message.rows);
    else if (message.type === 'input') stream.write(message.data);
    else if (message.type === 'invalid') sendControl({ type: 'error', message: message.reason });
  };
  socket.off('message', keepEarly);
  socket.on('message', onMessage);
  for (const [data, isBinary] of early) onMessage(data, isBinary);
  socket.on('close', () => stream.destroy());
  socket.on('error', () => stream.destroy());
  sendControl({ type: 'attached', name: request.name });
}

/** Whether the sandbox is going down (the engine's view lags a moment behind the shell's end). */
async function sandboxStopping(session: Session, backend: SandboxBackend): Promise<boolean> {
  const sandbox = session.sandbox;
  for (let attempt = 0; attempt < 10 && sandbox; attempt += 1) {
    if (session.state === 'starting') return true;
    const state = await backend.inspect(sandbox);
    if (!state.running && !state.unreachable) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
