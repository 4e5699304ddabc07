// Times as people in the room read them: their own clock, hours and minutes (and the day
// when it is not today).
export function formatTime(iso: string): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return date.toLocaleString(undefined, sameDay ? { hour: '2-digit', minute: '2-digit' } : { dateStyle: 'medium', timeStyle: 'short' });
}

/** ISO times inside a server's sentence, said as formatTime says them. */
export function localTimesIn(text: string): string {
  return text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)/g, (iso) => formatTime(iso));
}

/** The value a datetime-local input shows for a time. */
export function toLocalInput(date: Date): string {
  const offset = date.getTimezoneOffset() * 60_000;
  return new Date(date.getTime() - offset).toISOString().slice(0, 16);
}

/** A classroom's state by the clock (the server's rule), so pages stay right as time passes. */
export function stateAt(window: { opensAt: string; closesAt: string }, now: number): 'scheduled' | 'open' | 'closed' {
  if (now < Date.parse(window.opensAt)) return 'scheduled';
  return now < Date.parse(window.closesAt) ? 'open' : 'closed';
}

/** "12 min" or "2 h 5 min" until a time; undefined once it has passed. */
export function timeLeft(iso: string, now: number): string | undefined {
  const minutes = Math.ceil((Date.parse(iso) - now) / 60_000);
  if (minutes <= 0) return undefined;
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}
