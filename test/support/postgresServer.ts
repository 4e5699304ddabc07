// A real PostgreSQL for the store tests: Debian's package (installed when missing) and
// a private cluster of the tests' own (not the distribution's), on loopback only,
// started once and reused by every later run.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { run, succeeds } from '../../sandbox-server/src/setup/run.js';

const PORT = 54329;
const DATA_DIR = '/var/lib/drydock-test-postgres';
const SOCKET_DIR = '/run/drydock-test-postgres';
const LOCK_FILE = '/run/drydock-test-postgres.lock';

// Trust is safe only because nothing but this machine can connect.
const PG_HBA = ['local all all trust', 'host all all 127.0.0.1/32 trust', ''].join('\n');

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const complete = (version: string) => ['postgres', 'initdb', 'pg_ctl'].every((tool) => fs.existsSync(path.join(root, version, 'bin', tool)));
  const newest = fs.readdirSync(root).filter(complete).sort((a, b) => Number(b) - Number(a))[0];
  return newest && path.join(root, newest, 'bin');
}

async function installPostgres(): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['install', '-y', '-q', '--no-install-recommends', 'postgresql'];
  await run('apt-get', install, { env, quiet: true }).catch(async () => {
    await run('apt-get', ['update', '-q'], { env, quiet: true });
    await run('apt-get', install, { env, quiet: true });
  });
}

// PostgreSQL refuses to run as root.
const asPostgres = (command: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', command, ...args], { quiet: true });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid on a file's first line; 0 when the file is gone or empty. */
function readPid(file: string): number {
  try {
    return Number(fs.readFileSync(file, 'utf8').split('\n')[0]) || 0;
  } catch {
    return 0;
  }
}

/** Whether a process is this cluster's postmaster (a pid may have been reused). */
function isOurPostmaster(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(DATA_DIR);
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One process at a time sets the cluster up (two test processes may start at once);
 * a lock left by a process that died is taken over. */
async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15 * 60_000; // an apt-get install may take a while
  for (;;) {
    try {
      fs.writeFileSync(LOCK_FILE, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readPid(LOCK_FILE);
      if (!holder || !processAlive(holder)) {
        // Written but not yet filled in, or its owner died: only stale if it stays so.
        await sleep(500);
        const again = readPid(LOCK_FILE);
        if (again === holder && (!again || !processAlive(again))) fs.rmSync(LOCK_FILE, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the PostgreSQL set-up lock held by process ${holder}`);
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(LOCK_FILE, { force: true });
  }
}

const isReady = (bin: string) => succeeds(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(PORT)]);

/** initdb into a side directory, moved into place only when complete, so an
 * interrupted initdb never leaves a half-made cluster behind. */
async function initCluster(bin: string): Promise<void> {
  const staging = `${DATA_DIR}.init`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { mode: 0o700 });
  await run('chown', ['postgres:postgres', staging], { quiet: true });
  await asPostgres(path.join(bin, 'initdb'), ['-D', staging, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
  fs.renameSync(staging, DATA_DIR);
}

/** A postmaster.pid whose process is gone (a crash, a container restart) blocks a
 * start when its pid now belongs to another process: remove it. A live postgres
 * that is still starting or stopping is waited for instead. */
async function clearStalePid(bin: string): Promise<'running' | 'cleared'> {
  const pidFile = path.join(DATA_DIR, 'postmaster.pid');
  const pid = readPid(pidFile);
  if (pid && isOurPostmaster(pid)) {
    for (let waited = 0; waited < 60_000; waited += 500) {
      if (await isReady(bin)) return 'running';
      if (!processAlive(pid)) break;
      await sleep(500);
    }
    if (processAlive(pid)) throw new Error(`PostgreSQL (process ${pid}) in ${DATA_DIR} does not answer on port ${PORT}`);
  }
  fs.rmSync(pidFile, { force: true });
  fs.rmSync(path.join(SOCKET_DIR, `.s.PGSQL.${PORT}.lock`), { force: true });
  return 'cleared';
}

async function startCluster(): Promise<void> {
  if (!binDir()) await installPostgres();
  const bin = binDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql) and could not be installed');
  if (await isReady(bin)) return;
  // Missing, or made by another major version (after an upgrade): the data is throwaway.
  const clusterVersion = fs.existsSync(path.join(DATA_DIR, 'PG_VERSION')) ? fs.readFileSync(path.join(DATA_DIR, 'PG_VERSION'), 'utf8').trim() : '';
  if (clusterVersion !== path.basename(path.dirname(bin))) await initCluster(bin);
  if (fs.existsSync(path.join(DATA_DIR, 'postmaster.pid')) && (await clearStalePid(bin)) === 'running') return;
  fs.writeFileSync(path.join(DATA_DIR, 'pg_hba.conf'), PG_HBA);
  fs.mkdirSync(SOCKET_DIR, { recursive: true, mode: 0o700 });
  await run('chown', ['-R', 'postgres:postgres', DATA_DIR, SOCKET_DIR], { quiet: true });
  // Speed over durability: these databases are thrown away.
  const options = `-p ${PORT} -k ${SOCKET_DIR} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  await asPostgres(path.join(bin, 'pg_ctl'), ['-D', DATA_DIR, '-l', path.join(DATA_DIR, 'server.log'), '-w', '-t', '60', '-o', options, 'start']).catch((error: Error) => {
    const log = fs.existsSync(path.join(DATA_DIR, 'server.log')) ? fs.readFileSync(path.join(DATA_DIR, 'server.log'), 'utf8').trim().split('\n').slice(-5).join(' | ') : '';
    throw new Error(`${error.message}${log ? `; server log: ${log}` : ''}`);
  });
}

let ready: Promise<void> | undefined;

/** Installs PostgreSQL if needed and starts the tests' cluster unless it is running. */
export function ensurePostgres(): Promise<void> {
  ready ??= withLock(startCluster).catch((error) => {
    ready = undefined;
    throw error;
  });
  return ready;
}

export function postgresUrl(database: string): string {
  return `postgres://postgres@127.0.0.1:${PORT}/${database}`;
}

async function asAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: postgresUrl('postgres') });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

let leftoversRemoved: Promise<void> | undefined;

/** Databases of test processes that were killed before their clean-up ran. */
function removeLeftoverDatabases(): Promise<void> {
  leftoversRemoved ??= asAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE NOT datistemplate');
    for (const { datname } of rows) {
      const pid = Number(/_(\d+)_[a-z0-9]+$/.exec(datname)?.[1]);
      if (pid && !processAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
    }
  });
  return leftoversRemoved;
}

/** A fresh, empty database with a name of its own; returns its postgres:// URL. */
export async function createTestDatabase(prefix: string): Promise<string> {
  await ensurePostgres();
  await removeLeftoverDatabases();
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  const name = `${safePrefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await asAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  return postgresUrl(name);
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await asAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
