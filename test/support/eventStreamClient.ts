// Reads a server-sent event stream the way EventSource does, so tests can wait for the
// event that shows a change (and fail when it never comes).
export interface ServerEvent {
  event: string;
  data: any;
}

export class EventStreamClient {
  readonly events: ServerEvent[] = [];
  private waiters: (() => void)[] = [];
  private constructor(private readonly controller: AbortController) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    if (!response.ok || !response.body) throw new Error(`event stream refused: ${response.status} ${await response.text()}`);
    const client = new EventStreamClient(controller);
    void client.read(response.body);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) this.events.push({ event, data: JSON.parse(data) });
          for (const waiter of this.waiters.splice(0)) waiter();
        }
      }
    } catch {
      // aborted by close()
    }
  }

  /** The first event (from the start of the stream) that satisfies the test. */
  waitFor(test: (event: ServerEvent) => boolean, timeoutMs = 15_000): Promise<ServerEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(', ')}`)), timeoutMs);
      const check = () => {
        const found = this.events.find(test);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  close(): void {
    this.controller.abort();
  }
}
