// The learner's event stream (GET /api/me/events: live check results, and in a classroom
// broadcasts and resets), shared by every part of the page that listens: one
// EventSource, open while anyone listens. The browser reconnects it by itself.
type Handler = (data: any) => void;

const handlers = new Map<string, Set<Handler>>();
let source: EventSource | undefined;

function dispatch(event: Event): void {
  let data: unknown;
  try {
    data = JSON.parse((event as MessageEvent).data);
  } catch {
    return;
  }
  for (const handler of handlers.get(event.type) ?? []) handler(data);
}

/** Calls `handler` with each event `name`'s data; returns the way to stop listening. */
export function onLearnerEvent(name: string, handler: Handler): () => void {
  let listeners = handlers.get(name);
  if (!listeners) {
    listeners = new Set();
    handlers.set(name, listeners);
    source?.addEventListener(name, dispatch);
  }
  listeners.add(handler);
  if (!source) {
    source = new EventSource('/api/me/events');
    for (const known of handlers.keys()) source.addEventListener(known, dispatch);
  }
  return () => {
    listeners.delete(handler);
    if ([...handlers.values()].some((set) => set.size > 0)) return;
    source?.close();
    source = undefined;
    handlers.clear();
  };
}
