// Keeps a server-sent event stream's events so tests can wait for the event that shows a
// change (and fail when it never comes). An instructor's 'rows' update is kept as the
// 'grid' it makes, as the dashboard shows it, so a test waits on the grid either way.
import { EventStreamTap } from './eventStreamTap.js';
import { applyRowUpdate } from '../../sandbox-server/src/classrooms/gridRows.js';

export interface ServerEvent {
  event: string;
  data: any;
  /** For a grid made from a 'rows' update: how many rows the update carried. */
  rowsSent?: number;
}

export class EventStreamClient {
  readonly events: ServerEvent[] = [];
  private waiters: (() => void)[] = [];
  private tap?: EventStreamTap;

  static async open(url: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
    const client = new EventStreamClient();
    client.tap = await EventStreamTap.open(
      url,
      ({ event, data }) => {
        if (event === 'rows') {
          const grid = [...client.events].reverse().find((kept) => kept.event === 'grid');
          if (grid) client.events.push({ event: 'grid', data: applyRowUpdate(grid.data, data), rowsSent: data.learners.length });
        } else client.events.push({ event, data });
        for (const waiter of client.waiters.splice(0)) waiter();
      },
      headers,
    );
    return client;
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
    this.tap?.close();
  }
}
