// JSON answers and bodies, with clear errors for anything malformed.
import type http from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** More for the client to act on, sent beside the error's text. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: http.ServerResponse, status: number, message: string, details?: Record<string, unknown>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { ...details, error: message });
}

/** A percent-encoded path segment, decoded; malformed encoding (%E0, %ZZ) is the client's error. */
export function decodePathSegment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path');
  }
}

const MAX_BODY_BYTES = 64 * 1024;

/** Reads a body's bytes, refusing (413) more than `maxBytes`. */
export async function readBody(req: http.IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw new HttpError(413, `request body is larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (error) {
    // A client gone mid-body ("aborted") is its own doing, not an internal error.
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, `the request body was cut off: ${(error as Error).message}`);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON object body; an empty body is {}. */
export async function readJsonBody(req: http.IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const text = (await readBody(req, maxBytes)).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
