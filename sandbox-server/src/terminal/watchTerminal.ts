// An instructor's read-only view of a learner's main terminal: a second tmux client
// attached read-only (tmux drops its keys) and ignoring its size (so the learner's
// window never shrinks to the instructor's). Only resize messages are read from the
// socket; anything typed is discarded here as well.
import type { WebSocket, RawData } from 'ws';
import type { Sandbox, SandboxBackend } from '../engine/sandboxBackend.js';
import { parseControlMessage } from './controlMessages.js';
import { pumpOutput } from './outputPump.js';
import { toBuffer, type TerminalRequest } from './terminalSocket.js';

function watchCommand(name: string): string[] {
  return [
    'sh',
    '-c',
    `if tmux has-session -t "=${name}" 2>/dev/null; then exec tmux attach-session -f read-only,ignore-size -t "=${name}"; ` +
      `else echo "The learner has not opened this terminal yet."; exec sleep 3600; fi`,
  ];
}

export async function watchTerminal(socket: WebSocket, backend: SandboxBackend, sandbox: Sandbox, request: TerminalRequest): Promise<void> {
  const sendControl = (message: object) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  // A bad frame before the view is open must not throw from ws (see serveTerminal).
  socket.on('error', () => undefined);
  let terminal;
  try {
    terminal = await backend.openTerminal(sandbox, watchCommand(request.name), request.cols, request.rows);
  } catch (error) {
    sendControl({ type: 'error', message: `Cannot watch the terminal: ${(error as Error).message}` });
    socket.close(1011, 'sandbox unavailable');
    return;
  }
  const { stream } = terminal;
  if (socket.readyState !== socket.OPEN) {
    stream.destroy();
    return;
  }
  pumpOutput(stream, socket);
  stream.on('end', () => socket.close(1000, 'terminal ended'));
  stream.on('error', () => socket.close(1011, 'terminal stream failed'));
  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) return;
    const message = parseControlMessage(toBuffer(data).toString('utf8'));
    if (message.type === 'resize') void terminal.resize(message.cols, message.rows);
  });
  socket.on('close', () => stream.destroy());
  socket.on('error', () => stream.destroy());
  sendControl({ type: 'attached', name: request.name, readOnly: true });
}
