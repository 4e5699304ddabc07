// PostgreSQL through node-postgres, for deployments where several server processes
// share one database (DATABASE_URL). The SQL is the same as SQLite's: `?` placeholders
// become $1, $2… here.
import pg from 'pg';
import type { SqlDriver } from './sqlDriver.js';

// COUNT(*) and BIGINT come back as strings by default; our numbers fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number(text));

/** `?` → `$n`. Our SQL never has a `?` inside a string literal. */
export function numberedPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

type Queryable = pg.Pool | pg.PoolClient;

function driverOver(target: Queryable, transaction: SqlDriver['transaction'], close: () => Promise<void>): SqlDriver {
  const query = (sql: string, params: unknown[] = []) => target.query(numberedPlaceholders(sql), params.map(toPostgres));
  return {
    dialect: 'postgres',
    async all<T>(sql: string, params?: unknown[]) {
      return (await query(sql, params)).rows as T[];
    },
    async get<T>(sql: string, params?: unknown[]) {
      return (await query(sql, params)).rows[0] as T | undefined;
    },
    async run(sql: string, params?: unknown[]) {
      return { changes: (await query(sql, params)).rowCount ?? 0 };
    },
    async exec(sql: string) {
      await target.query(sql);
    },
    transaction,
    close,
  };
}

export function openPostgres(connectionString: string, maxConnections = 10): SqlDriver {
  const pool = new pg.Pool({ connectionString, max: maxConnections });
  // An idle connection that the server drops must not crash the process.
  pool.on('error', (error) => console.error(`database connection: ${error.message}`));
  const transaction = async <T>(work: (tx: SqlDriver) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    const tx = driverOver(client, (inner) => inner(tx), async () => undefined);
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
  return driverOver(pool, transaction, () => pool.end());
}

function toPostgres(value: unknown): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}
