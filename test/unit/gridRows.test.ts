import { describe, expect, it } from 'vitest';
import { applyRowUpdate, describeSent, gridChange } from '../../sandbox-server/src/classrooms/gridRows.js';

const row = (learnerId: string, status: string) => ({ learnerId, name: learnerId.toUpperCase(), cells: { 'l/s': { status } } });
const grid = (rows: ReturnType<typeof row>[], columns = ['l/s'], at = '2026-01-01T00:00:00Z') => ({ classroom: { name: 'Room' }, columns, learners: rows, generatedAt: at });

describe('the live grid as row updates', () => {
  it('sends the whole grid first, then nothing while nothing changed (the time alone does not count)', () => {
    const first = gridChange(undefined, grid([row('a', 'untried')]));
    expect(first.event?.name).toBe('grid');
    expect(gridChange(first.sent, grid([row('a', 'untried')], ['l/s'], '2026-01-01T00:00:02Z')).event).toBeUndefined();
  });

  it('sends only the rows that changed or joined, with the order of all, and a client rebuilds the same grid', () => {
    const before = grid([row('a', 'untried'), row('b', 'untried'), row('c', 'untried')]);
    const after = grid([row('a', 'untried'), row('b', 'passed'), row('c', 'untried'), row('d', 'untried')], ['l/s'], '2026-01-01T00:00:05Z');
    const { event } = gridChange(describeSent(before), after);
    expect(event?.name).toBe('rows');
    if (event?.name !== 'rows') return;
    expect(event.data.learners.map((changed) => changed.learnerId)).toEqual(['b', 'd']);
    expect(event.data.order).toEqual(['a', 'b', 'c', 'd']);
    expect(applyRowUpdate(before, event.data)).toEqual(after);
  });

  it('sends a change of the classroom alone as an update without rows', () => {
    const before = grid([row('a', 'untried')]);
    const renamed = { ...grid([row('a', 'untried')]), classroom: { name: 'Renamed' } };
    const { event } = gridChange(describeSent(before), renamed);
    expect(event?.name).toBe('rows');
    if (event?.name !== 'rows') return;
    expect(event.data.learners).toEqual([]);
    expect(applyRowUpdate(before, event.data)).toEqual(renamed);
  });

  it('sends the whole grid again when the columns change or a learner leaves', () => {
    const before = describeSent(grid([row('a', 'untried'), row('b', 'untried')]));
    expect(gridChange(before, grid([row('a', 'untried'), row('b', 'untried')], ['l/s', 'l/t'])).event?.name).toBe('grid');
    expect(gridChange(before, grid([row('a', 'untried')])).event?.name).toBe('grid');
  });
});
