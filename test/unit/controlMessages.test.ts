import { describe, expect, it } from 'vitest';
import { parseControlMessage } from '../../sandbox-server/src/terminal/controlMessages.js';

describe('terminal control messages', () => {
  it('accepts a resize within bounds', () => {
    expect(parseControlMessage('{"type":"resize","cols":120,"rows":40}')).toEqual({ type: 'resize', cols: 120, rows: 40 });
  });

  it.each([
    ['not json', /must be JSON/],
    ['[1,2]', /unknown control message/],
    ['null', /JSON object/],
    ['{"type":"resize","cols":0,"rows":10}', /cols 1-1000/],
    ['{"type":"resize","cols":80,"rows":100000}', /rows 1-500/],
    ['{"type":"resize","cols":80.5,"rows":24}', /whole numbers/],
    ['{"type":"resize","cols":"80","rows":24}', /whole numbers/],
    ['{"type":"input","data":42}', /string "data"/],
    ['{"type":"explode"}', /unknown control message type "explode"/],
  ])('refuses %s with a reason', (text, reason) => {
    const message = parseControlMessage(text);
    expect(message.type).toBe('invalid');
    expect(message.type === 'invalid' && message.reason).toMatch(reason);
  });
});
