// Lets the lesson text type into the active terminal (Run buttons).
type Sink = (text: string) => void;
let active: Sink | undefined;

export function setActiveTerminal(sink: Sink | undefined): void {
  active = sink;
}

export function typeIntoTerminal(text: string): boolean {
  if (!active) return false;
  active(text);
  return true;
}
