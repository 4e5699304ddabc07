// SQLite through better-sqlite3: one file under the data directory. Calls are
// synchronous underneath; every call and transaction goes through one queue, so a
// statement from another request never lands inside someone else's open transaction
// (where a rollback would take it away).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDriver } from './sqlDriver.js';

export function openSqlite(file: string): SqlDriver {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(work: () => T | Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  // Inside a transaction: run at once, on the connection the transaction holds.
  const inTransaction: SqlDriver = {
    dialect: 'sqlite',
    all: async <T>(sql: string, params: unknown[] = []) => db.prepare(sql).all(...params.map(toSqlite)) as T[],
    get: async <T>(sql: string, params: unknown[] = []) => db.prepare(sql).get(...params.map(toSqlite)) as T | undefined,
    run: async (sql: string, params: unknown[] = []) => ({ changes: db.prepare(sql).run(...params.map(toSqlite)).changes }),
    exec: async (sql: string) => void db.exec(sql),
    transaction: (work) => work(inTransaction),
    close: async () => undefined,
  };

  return {
    dialect: 'sqlite',
    all: (sql, params) => enqueue(() => inTransaction.all(sql, params)),
    get: (sql, params) => enqueue(() => inTransaction.get(sql, params)),
    run: (sql, params) => enqueue(() => inTransaction.run(sql, params)),
    exec: (sql) => enqueue(() => inTransaction.exec(sql)),
    transaction: <T>(work: (tx: SqlDriver) => Promise<T>) =>
      enqueue(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(inTransaction);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      }),
    close: () => enqueue(() => void db.close()),
  };
}

/** SQLite has no booleans: store 1/0, as PostgreSQL's INTEGER columns do too. */
function toSqlite(value: unknown): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}
