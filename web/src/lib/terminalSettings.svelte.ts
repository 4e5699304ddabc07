// Terminal preferences a learner sets once: kept in this browser and shared by every
// terminal, so a new tab or a reload keeps the font size and the screen-reader mode.
const STORAGE_KEY = 'drydock.terminal';
export const FONT_SIZE = { min: 10, max: 28, default: 14 };

interface TerminalSettings {
  fontSize: number;
  /** xterm's screen-reader mode: an accessible copy of the screen that assistive technology reads. */
  screenReader: boolean;
  /** Selecting text copies it; Ctrl+C copies while text is selected either way. */
  copyOnSelect: boolean;
}

function load(): TerminalSettings {
  const defaults: TerminalSettings = { fontSize: FONT_SIZE.default, screenReader: false, copyOnSelect: true };
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    const fontSize = Number(saved.fontSize);
    return {
      fontSize: Number.isInteger(fontSize) && fontSize >= FONT_SIZE.min && fontSize <= FONT_SIZE.max ? fontSize : defaults.fontSize,
      screenReader: typeof saved.screenReader === 'boolean' ? saved.screenReader : defaults.screenReader,
      copyOnSelect: typeof saved.copyOnSelect === 'boolean' ? saved.copyOnSelect : defaults.copyOnSelect,
    };
  } catch {
    return defaults;
  }
}

export const terminalSettings: TerminalSettings = $state(load());

export function changeTerminalSettings(change: Partial<TerminalSettings>): void {
  Object.assign(terminalSettings, change);
  terminalSettings.fontSize = Math.min(FONT_SIZE.max, Math.max(FONT_SIZE.min, terminalSettings.fontSize));
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(terminalSettings));
  } catch {
    // Storage refused (private mode, full): the setting holds for this page.
  }
}
