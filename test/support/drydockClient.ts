// A small client of Drydock's public API, as outside tools and the browser use it.
import WebSocket from 'ws';

export interface CreatedSession {
  id: string;
  token: string;
  expiresAt: string;
  state: string;
}

export class DrydockClient {
  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, token?: string, body?: unknown, timeoutMs?: number): Promise<Response> {
    return fetch(this.baseUrl + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined,
    });
  }

  /** The answer read whole: its status, text and JSON (undefined when it is not JSON). */
  async requestJson(method: string, path: string, token?: string, body?: unknown, timeoutMs?: number) {
    const response = await this.request(method, path, token, body, timeoutMs);
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text, headers: response.headers };
  }

  async createSession(): Promise<CreatedSession> {
    const response = await this.request('POST', '/api/sessions');
    if (response.status !== 201) throw new Error(`POST /api/sessions: ${response.status} ${await response.text()}`);
    return (await response.json()) as CreatedSession;
  }

  async session(id: string, token: string) {
    const response = await this.request('GET', `/api/sessions/${id}`, token);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async waitReady(id: string, token: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { body } = await this.session(id, token);
      if (body.state === 'ready') return;
      if (body.state === 'failed' || body.state === 'expired') throw new Error(`session ${body.state}: ${body.error ?? ''}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('session did not become ready');
  }

  async deleteSession(id: string, token: string): Promise<number> {
    return (await this.request('DELETE', `/api/sessions/${id}`, token)).status;
  }

  terminalUrl(id: string, token: string, name = 'main'): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/api/sessions/${id}/terminal?token=${encodeURIComponent(token)}&name=${name}&cols=120&rows=30`;
  }

  openTerminal(id: string, token: string, name = 'main'): Promise<TerminalClient> {
    return TerminalClient.open(this.terminalUrl(id, token, name));
  }

  /** A new session, ready, with its main terminal at the prompt. */
  async readyShell(): Promise<{ session: CreatedSession; terminal: TerminalClient }> {
    const session = await this.createSession();
    await this.waitReady(session.id, session.token);
    const terminal = await this.openTerminal(session.id, session.token);
    await terminal.waitFor('drydock');
    return { session, terminal };
  }
}

/** A terminal WebSocket that collects output and can wait for text to appear. */
export class TerminalClient {
  /** The most recent output (older output is dropped past 2 MB, counted in `dropped`). */
  output = '';
  dropped = 0;
  controls: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.output += data.toString();
        if (this.output.length > 4_000_000) {
          this.dropped += this.output.length - 2_000_000;
          this.output = this.output.slice(-2_000_000);
        }
      }
      else this.controls.push(JSON.parse(data.toString()));
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }

  static open(url: string): Promise<TerminalClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new TerminalClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`terminal refused: ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  type(text: string): void {
    this.socket.send(Buffer.from(text), { binary: true });
  }

  /** Resolves when the output (since `from`) matches; rejects after the timeout.
   * Each check looks only at what arrived since the last one (plus an overlap), so a
   * flood of output costs linear time. */
  waitFor(pattern: RegExp | string, timeoutMs = 30_000, from = 0): Promise<string> {
    const overlap = typeof pattern === 'string' ? pattern.length : 64 * 1024;
    let checkedUpTo = from;
    const test = () => {
      const start = Math.max(from, checkedUpTo - overlap, this.dropped);
      const seen = this.output.slice(start - this.dropped);
      checkedUpTo = this.dropped + this.output.length;
      return typeof pattern === 'string' ? seen.includes(pattern) : pattern.test(seen);
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; last output: ${JSON.stringify(this.output.slice(-400))}`)), timeoutMs);
      const check = () => {
        if (test()) {
          clearTimeout(timer);
          resolve(this.output);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Types a command and waits for a marker printed after it, returning the output in between. */
  async run(command: string, timeoutMs = 60_000): Promise<string> {
    const marker = `__done_${Math.random().toString(36).slice(2)}__`;
    const from = this.dropped + this.output.length;
    this.type(`${command.replace(/\n/g, '\r')}\recho ${marker.slice(0, 6)}""${marker.slice(6)}\r`);
    await this.waitFor(marker, timeoutMs, from);
    return this.output.slice(Math.max(0, from - this.dropped));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
