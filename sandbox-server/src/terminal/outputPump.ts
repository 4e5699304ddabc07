// Terminal output to a WebSocket with backpressure: when the client falls behind, the
// shell's output stream is paused (and the shell blocks) instead of the server buffering.
import type { WebSocket } from 'ws';
import type { Duplex } from 'node:stream';

const HIGH_WATER_BYTES = 512 * 1024;
const LOW_WATER_BYTES = 128 * 1024;

export function pumpOutput(stream: Duplex, socket: WebSocket): void {
  let pendingBytes = 0;
  let paused = false;
  stream.on('data', (chunk: Buffer) => {
    if (socket.readyState !== socket.OPEN) return;
    pendingBytes += chunk.length;
    socket.send(chunk, { binary: true }, () => {
      pendingBytes -= chunk.length;
      if (paused && pendingBytes < LOW_WATER_BYTES) {
        paused = false;
        stream.resume();
      }
    });
    if (!paused && pendingBytes > HIGH_WATER_BYTES) {
      paused = true;
      stream.pause();
    }
  });
}
