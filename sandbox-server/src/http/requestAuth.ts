// Where a request carries its session token: the Authorization header, the `token`
// query parameter (WebSockets, iframes), or, for port previews only, a cookie scoped
// to that preview's path (so the previewed page's own links keep working).
import type http from 'node:http';

export const PREVIEW_COOKIE = 'drydock_preview';

export function bearerToken(req: http.IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return url.searchParams.get('token') ?? undefined;
}

export function previewCookieToken(req: http.IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== PREVIEW_COOKIE) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined; // malformed encoding: no token, so 401 rather than a crash
    }
  }
  return undefined;
}

export function previewCookie(token: string, path: string): string {
  return `${PREVIEW_COOKIE}=${encodeURIComponent(token)}; Path=${path}; HttpOnly; SameSite=Lax`;
}
