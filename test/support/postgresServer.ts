// A real PostgreSQL for the store tests: Debian's package (installed when missing) and
// a private cluster of the tests' own, on loopback only, started once and reused.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { run, succeeds } from '../../sandbox-server/src/setup/run.js';

const PORT = 54329;
const DATA_DIR = '/var/lib/drydock-test-postgres';
const SOCKET_DIR = '/run/drydock-test-postgres';
const LOCK_DIR = '/run/drydock-test-postgres.lock';

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).filter((entry) => fs.existsSync(path.join(root, entry, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(root, versions[0], 'bin');
}

async function installPostgres(): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['install', '-y', '-q', '--no-install-recommends', 'postgresql'];
  await run('apt-get', install, { env, quiet: true }).catch(async () => {
    await run('apt-get', ['update', '-q'], { env, quiet: true });
    await run('apt-get', install, { env, quiet: true });
  });
}

const asPostgres = (command: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', command, ...args], { quiet: true });

/** Only one process sets the cluster up at a time (test files may run in parallel). */
async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      break;
    } catch {
      const age = Date.now() - (fs.statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for the PostgreSQL set-up lock');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

let ready: Promise<void> | undefined;

export function ensurePostgres(): Promise<void> {
  ready ??= withLock(async () => {
    if (!binDir()) await installPostgres();
    const bin = binDir();
    if (!bin) throw new Error('PostgreSQL is not installed and could not be installed');
    if (await succeeds(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(PORT)])) return;
    for (const dir of [DATA_DIR, SOCKET_DIR]) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      await run('chown', ['postgres:postgres', dir], { quiet: true });
    }
    if (!fs.existsSync(path.join(DATA_DIR, 'PG_VERSION'))) {
      await asPostgres(path.join(bin, 'initdb'), ['-D', DATA_DIR, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    }
    const options = `-p ${PORT} -k ${SOCKET_DIR} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
    await asPostgres(path.join(bin, 'pg_ctl'), ['-D', DATA_DIR, '-l', path.join(DATA_DIR, 'server.log'), '-w', '-t', '60', '-o', options, 'start']);
  });
  ready.catch(() => (ready = undefined));
  return ready;
}

export function postgresUrl(database: string): string {
  return `postgres://postgres@127.0.0.1:${PORT}/${database}`;
}

/** A fresh, empty database with a name of its own. */
export async function createTestDatabase(prefix: string): Promise<string> {
  await ensurePostgres();
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: postgresUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return postgresUrl(name);
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: postgresUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
