// History checks read bash's timed history: only commands at or after the lesson opened.
import { describe, expect, it } from 'vitest';
import { commandsSince } from '../../sandbox-server/src/checks/sandboxChecks.js';

const history = ['#1700000000', 'docker version', '#1700000100', 'docker ps', 'echo untimed?'].join('\n');

describe('commandsSince', () => {
  it('keeps every command when no start is known', () => {
    expect(commandsSince(history)).toEqual(['docker version', 'docker ps', 'echo untimed?']);
  });

  it('keeps the commands at or after the start (a second of slack) and those after them', () => {
    expect(commandsSince(history, 1700000050_000)).toEqual(['docker ps', 'echo untimed?']);
    expect(commandsSince(history, 1700000001_000)).toEqual(['docker version', 'docker ps', 'echo untimed?']);
    expect(commandsSince(history, 1700000200_000)).toEqual([]);
  });

  it('drops untimed commands written before any timestamp when a start is known', () => {
    expect(commandsSince('docker version\n#1700000100\nls', 1700000000_000)).toEqual(['ls']);
  });
});
