// A server-sent event stream read the way EventSource reads it, handing each event to a
// callback the moment it is parsed, with the time it arrived: for measuring how soon a
// change reaches a watcher, not only whether it does.
export interface TappedEvent {
  event: string;
  data: any;
  /** performance.now() when the event's last byte arrived. */
  at: number;
  bytes: number;
}

export class EventStreamTap {
  events = 0;
  bytes = 0;
  /** Why the stream ended before close() was called, if it did. */
  endedEarly?: string;
  private closing = false;

  private constructor(private readonly controller: AbortController) {}

  static async open(url: string, onEvent: (event: TappedEvent) => void, headers: Record<string, string> = {}): Promise<EventStreamTap> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    if (!response.ok || !response.body) throw new Error(`event stream ${url.replace(/token=[^&]+/, 'token=…')} refused: ${response.status} ${(await response.text()).slice(0, 200)}`);
    const tap = new EventStreamTap(controller);
    void tap.read(response.body, onEvent);
    return tap;
  }

  private async read(body: ReadableStream<Uint8Array>, onEvent: (event: TappedEvent) => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        const at = performance.now();
        this.bytes += chunk.byteLength;
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (!event || !data) continue;
          this.events += 1;
          onEvent({ event, data: JSON.parse(data), at, bytes: block.length });
        }
      }
      if (!this.closing) this.endedEarly = 'the server ended the stream';
    } catch (error) {
      if (!this.closing) this.endedEarly = (error as Error).message;
    }
  }

  close(): void {
    this.closing = true;
    this.controller.abort();
  }
}
