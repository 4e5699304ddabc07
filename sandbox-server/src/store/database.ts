// Drydock's database: an embedded SQLite file under the data directory by default
// (created on first start), PostgreSQL when DATABASE_URL is set. Either way the schema
// is brought up to date by numbered migrations, each applied once.
import { MIGRATIONS } from './migrations.js';
import type { SqlDriver } from './sqlDriver.js';
import { openSqlite } from './sqliteDriver.js';
import { openPostgres } from './postgresDriver.js';

export interface DatabaseSettings {
  databaseFile: string;
  databaseUrl?: string;
}

export async function openDatabase(settings: DatabaseSettings): Promise<SqlDriver> {
  const db = settings.databaseUrl ? openPostgres(settings.databaseUrl) : openSqlite(settings.databaseFile);
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    const where = settings.databaseUrl ? 'the PostgreSQL database (DATABASE_URL)' : settings.databaseFile;
    throw new Error(`cannot open ${where}: ${(error as Error).message}`);
  }
  return db;
}

/** Applies the migrations not yet applied; returns how many ran. */
export async function migrate(db: SqlDriver): Promise<number> {
  return db.transaction(async (tx) => {
    // Several servers may start at once on one PostgreSQL: one migrates, the others wait.
    if (tx.dialect === 'postgres') await tx.exec('SELECT pg_advisory_xact_lock(7215001)');
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = new Set((await tx.all<{ version: number }>('SELECT version FROM schema_migrations')).map((row) => Number(row.version)));
    let count = 0;
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [migration.version, new Date().toISOString()]);
      count += 1;
    }
    return count;
  });
}
