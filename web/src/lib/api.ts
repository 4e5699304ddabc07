// The browser's side of the public API. The session (id + token) is kept in
// localStorage so a reload returns to the same sandbox.
export interface SessionRef {
  id: string;
  token: string;
}

export interface PublishedPort {
  port: number;
  containerPort: number;
  container: string;
  image: string;
}

export interface SessionInfo {
  id: string;
  state: 'starting' | 'ready' | 'expired' | 'failed';
  expiresAt: string;
  ports: PublishedPort[];
  error?: string;
}

const STORAGE_KEY = 'drydock.session';

export function savedSession(): SessionRef | undefined {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    return saved && typeof saved.id === 'string' && typeof saved.token === 'string' ? saved : undefined;
  } catch {
    return undefined;
  }
}

export function forgetSession(): void {
  localStorage.removeItem(STORAGE_KEY);
}

async function answer<T>(response: Response): Promise<T> {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body as T;
}

export async function createSession(): Promise<SessionRef> {
  const created = await answer<SessionRef>(await fetch('/api/sessions', { method: 'POST' }));
  const ref = { id: created.id, token: created.token };
  localStorage.setItem(STORAGE_KEY, JSON.stringify(ref));
  return ref;
}

export async function getSession(ref: SessionRef): Promise<SessionInfo | undefined> {
  const response = await fetch(`/api/sessions/${ref.id}`, { headers: { authorization: `Bearer ${ref.token}` } });
  if (response.status === 404) return undefined;
  return answer<SessionInfo>(response);
}

export function terminalUrl(ref: SessionRef, name: string, cols: number, rows: number): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = new URLSearchParams({ token: ref.token, name, cols: String(cols), rows: String(rows) });
  return `${scheme}://${location.host}/api/sessions/${ref.id}/terminal?${query}`;
}

export function previewUrl(ref: SessionRef, port: number): string {
  return `/api/sessions/${ref.id}/ports/${port}/?token=${encodeURIComponent(ref.token)}`;
}
