// Text frames a terminal client may send. Anything else gets a reason, never a crash.
export type ControlMessage =
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'input'; data: string }
  | { type: 'ping' }
  | { type: 'invalid'; reason: string };

export const MAX_COLS = 1000;
export const MAX_ROWS = 500;

export function parseControlMessage(text: string): ControlMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { type: 'invalid', reason: 'control messages must be JSON, e.g. {"type":"resize","cols":80,"rows":24}' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { type: 'invalid', reason: 'a control message must be a JSON object' };
  const message = parsed as Record<string, unknown>;
  switch (message.type) {
    case 'resize': {
      const { cols, rows } = message;
      if (!isSize(cols, MAX_COLS) || !isSize(rows, MAX_ROWS)) {
        return { type: 'invalid', reason: `resize needs whole numbers cols 1-${MAX_COLS} and rows 1-${MAX_ROWS}` };
      }
      return { type: 'resize', cols, rows };
    }
    case 'input':
      if (typeof message.data !== 'string') return { type: 'invalid', reason: 'input needs a string "data"' };
      return { type: 'input', data: message.data };
    case 'ping':
      return { type: 'ping' };
    default:
      return { type: 'invalid', reason: `unknown control message type ${JSON.stringify(message.type)}` };
  }
}

export function isSize(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}
