// The terminal sockets open per session, so that ending a session closes them
// with a reason the browser can show.
import type { WebSocket } from 'ws';
import type { Session } from '../sessions/sessionManager.js';

export class OpenTerminals {
  private readonly bySession = new Map<string, Set<WebSocket>>();

  add(session: Session, socket: WebSocket): void {
    let sockets = this.bySession.get(session.id);
    if (!sockets) this.bySession.set(session.id, (sockets = new Set()));
    sockets.add(socket);
    socket.on('close', () => {
      sockets!.delete(socket);
      if (sockets!.size === 0) this.bySession.delete(session.id);
    });
  }

  closeAll(session: Session): void {
    for (const socket of this.bySession.get(session.id) ?? []) {
      socket.send(JSON.stringify({ type: 'ended', state: session.state, reason: session.error }));
      socket.close(1000, `session ${session.state}`);
    }
  }

  /** The sandbox is restarting: tell each terminal why and close it so it reconnects
   * (the connection waits until the sandbox runs again). */
  interruptAll(session: Session, reason: string): void {
    for (const socket of this.bySession.get(session.id) ?? []) {
      socket.send(JSON.stringify({ type: 'error', message: reason }));
      socket.close(1012, 'sandbox restarting');
    }
  }

  /** The server is going away but the sessions stay: browsers reconnect to the next one. */
  closeEverything(): void {
    for (const sockets of this.bySession.values()) for (const socket of sockets) socket.close(1012, 'server restarting');
  }

  count(): number {
    let total = 0;
    for (const sockets of this.bySession.values()) total += sockets.size;
    return total;
  }
}
