import { describe, expect, it } from 'vitest';
import { withoutTerminalQueries } from '../../sandbox-server/src/terminal/preopenedTerminals.js';

describe('replaying a pre-opened terminal', () => {
  it('drops the device-attribute and version queries tmux sent, and nothing else', () => {
    const drawn = Buffer.from('\x1b[1;30r\x1b[>c\x1b[>q\x1b[1;21H\x1b[36mdrydock\x1b[0m:/workspace# \x1b[c');
    expect(withoutTerminalQueries(drawn).toString()).toBe('\x1b[1;30r\x1b[1;21H\x1b[36mdrydock\x1b[0m:/workspace# ');
  });

  it('keeps bytes that are not UTF-8 text intact', () => {
    const bytes = Buffer.from([0xe2, 0x9c, 0x93, 0x1b, 0x5b, 0x3e, 0x63, 0xff]);
    expect([...withoutTerminalQueries(bytes)]).toEqual([0xe2, 0x9c, 0x93, 0xff]);
  });
});
