// The live grid travels whole once, then as row updates: a change in a room of hundreds
// sends the rows that changed (and the small rest: the classroom's state, the time), not
// every row again. Shared by the server (which computes an update against what one
// watcher last got) and its clients (which apply it); no Node-only code here, the web
// app bundles it.

export interface GridShape<Row extends { learnerId: string }> {
  columns: unknown;
  learners: Row[];
  generatedAt: string;
}

/** The 'rows' event: rows that are new or changed, every learner's id in order, and
 * the grid's other fields but its columns. */
export interface RowUpdate<Row> {
  learners: Row[];
  order: string[];
  rest: Record<string, unknown>;
}

/** What one watcher was last sent. */
export interface SentGrid {
  columns: string;
  /** Everything but the learners, the columns and the time. */
  rest: string;
  rows: Map<string, string>;
}

function split<Row extends { learnerId: string }>(grid: GridShape<Row>) {
  const { learners, columns, ...rest } = grid;
  const { generatedAt: _generatedAt, ...restWithoutTime } = rest;
  return { learners, columns, rest, restWithoutTime };
}

export function describeSent<Row extends { learnerId: string }>(grid: GridShape<Row>): SentGrid {
  const { learners, columns, restWithoutTime } = split(grid);
  return { columns: JSON.stringify(columns), rest: JSON.stringify(restWithoutTime), rows: new Map(learners.map((row) => [row.learnerId, JSON.stringify(row)])) };
}

/**
 * What to send a watcher that was last sent `before`: nothing when nothing changed but
 * the time, the rows that changed when no learner left and the columns stayed, else the
 * whole grid.
 */
export function gridChange<Row extends { learnerId: string }, Grid extends GridShape<Row>>(
  before: SentGrid | undefined,
  grid: Grid,
): { sent: SentGrid; event?: { name: 'grid'; data: Grid } | { name: 'rows'; data: RowUpdate<Row> } } {
  const sent = describeSent(grid);
  if (!before || before.columns !== sent.columns || [...before.rows.keys()].some((id) => !sent.rows.has(id))) {
    return { sent, event: { name: 'grid', data: grid } };
  }
  const changed = grid.learners.filter((row) => before.rows.get(row.learnerId) !== sent.rows.get(row.learnerId));
  if (changed.length === 0 && before.rest === sent.rest) return { sent };
  return { sent, event: { name: 'rows', data: { learners: changed, order: grid.learners.map((row) => row.learnerId), rest: split(grid).rest } } };
}

/** The grid after a 'rows' event. */
export function applyRowUpdate<Row extends { learnerId: string }, Grid extends GridShape<Row>>(grid: Grid, update: RowUpdate<Row>): Grid {
  const rows = new Map(grid.learners.map((row) => [row.learnerId, row]));
  for (const row of update.learners) rows.set(row.learnerId, row);
  return { ...grid, ...update.rest, learners: update.order.flatMap((id) => rows.get(id) ?? []) };
}
