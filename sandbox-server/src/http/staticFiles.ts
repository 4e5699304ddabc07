// Serves the built web app; unknown paths fall back to index.html (client-side routes).
import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { HttpError, sendError } from './respond.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** Serves files under root; with spaFallback, unknown paths get index.html. */
export function serveStatic(root: string, req: http.IncomingMessage, res: http.ServerResponse, pathname: string, spaFallback = true): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, `${req.method} is not allowed here`);
  const index = path.join(root, 'index.html');
  if (spaFallback && !fs.existsSync(index)) return sendError(res, 503, 'the web app is not built yet: run `npm run build:web`');
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path');
  }
  let file = path.join(root, path.normalize(decoded).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    if (!spaFallback) return sendError(res, 404, `no file ${pathname}`);
    file = index;
  }
  const hashed = file.includes(`${path.sep}assets${path.sep}`);
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  fs.createReadStream(file).pipe(res);
}
