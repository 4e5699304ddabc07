// Proxies HTTP and WebSocket traffic to a port published inside a sandbox. The caller
// has already checked the session's token; Drydock's credentials are stripped here so
// the learner's app never sees them.
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

export interface PortTarget {
  host: string;
  port: number;
  /** Path and query to request from the target (starts with "/"). */
  path: string;
  /** Prefix under which the target is served, for rewriting redirects. */
  prefix: string;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

function forwardedHeaders(req: http.IncomingMessage, keepUpgrade: boolean): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = { ...req.headers };
  if (!keepUpgrade) for (const name of HOP_BY_HOP) delete headers[name];
  delete headers.authorization;
  delete headers.cookie;
  return headers;
}

export function proxyHttp(req: http.IncomingMessage, res: http.ServerResponse, target: PortTarget): void {
  const upstream = http.request(
    { host: target.host, port: target.port, method: req.method, path: target.path, headers: forwardedHeaders(req, false), timeout: 30_000 },
    (answer) => {
      const headers = { ...answer.headers };
      for (const name of HOP_BY_HOP) delete headers[name];
      // Keep redirects inside the preview: "/login" means the app's /login.
      if (typeof headers.location === 'string' && headers.location.startsWith('/') && !headers.location.startsWith('//')) {
        headers.location = target.prefix + headers.location;
      }
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    },
  );
  upstream.on('timeout', () => upstream.destroy(new Error('the app did not answer within 30 s')));
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (res.headersSent) return res.destroy();
    const reason =
      error.code === 'ECONNREFUSED'
        ? `nothing answers on port ${target.port} in your sandbox. Is the container running and publishing it (docker ps)?`
        : `port ${target.port} in your sandbox: ${error.message}`;
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: reason }));
  });
  req.pipe(upstream);
}

export function proxyUpgrade(req: http.IncomingMessage, client: Duplex, head: Buffer, target: PortTarget): void {
  const upstream = net.connect(target.port, target.host, () => {
    const headers = forwardedHeaders(req, true);
    const lines = [`${req.method} ${target.path} HTTP/1.1`];
    for (const [name, value] of Object.entries(headers)) {
      for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined) lines.push(`${name}: ${item}`);
    }
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client).pipe(upstream);
  });
  const close = () => {
    upstream.destroy();
    client.destroy();
  };
  upstream.on('error', close);
  client.on('error', close);
}
