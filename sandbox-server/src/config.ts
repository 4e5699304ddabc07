// Every setting Drydock reads, in one place, from the environment.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function numberSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  }
  return value;
}

function textSetting(name: string, fallback: string): string {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

function publicUrlSetting(): string | undefined {
  const raw = process.env.DRYDOCK_PUBLIC_URL;
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`DRYDOCK_PUBLIC_URL must be an absolute URL such as https://drydock.example.edu, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`DRYDOCK_PUBLIC_URL must be http(s), got "${raw}"`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

export interface DrydockConfig {
  port: number;
  host: string;
  dataDir: string;
  runDir: string;
  /** Explicit engine address (DOCKER_HOST); otherwise Drydock's own engine. */
  dockerHost: string | undefined;
  engineSocket: string;
  /** The network sandboxes live on; no sandbox may reach another or the host. */
  sandboxBridge: string;
  sandboxSubnet: string;
  sandboxGateway: string;
  /** The engine's default bridge, used by image builds only. */
  buildBridge: string;
  buildBridgeCidr: string;
  registryPort: number;
  /** Port on the sandbox gateway where inner engines find the registry mirror. */
  mirrorPort: number;
  /** When set, the mirror proxies this upstream registry instead of serving local images. */
  mirrorUpstream: string | undefined;
  egress: 'off' | 'on';
  sandboxMemoryBytes: number;
  sandboxNanoCpus: number;
  sandboxPidsLimit: number;
  /** Size of each sandbox's own disk (its engine's data and its own files), in MiB; 0 for
   * none; unset: sized from the host's free space (DRYDOCK_SANDBOX_DISK_MB). */
  sandboxDiskMb: number | undefined;
  /** Host disk space no sandbox may take, in MiB (DRYDOCK_HOST_DISK_RESERVE_MB). */
  hostDiskReserveMb: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  maxSessions: number;
  /** Lesson sandboxes one learner may hold at once (DRYDOCK_SANDBOXES_PER_LEARNER). */
  maxPerLearner: number;
  warmPoolSize: number;
  allowUnsafeEngine: boolean;
  /** Names this server's sandboxes, so servers sharing an engine never remove each other's. */
  instance: string;
  /** Where the lessons are (lessons/ of the project unless DRYDOCK_LESSONS_DIR says). */
  lessonsDir: string;
  /** Folders of KillerCoda scenarios served as lessons too (DRYDOCK_SCENARIOS, ':' between folders). */
  scenarioDirs: string[];
  /** The embedded database (SQLite), under the data directory. */
  databaseFile: string;
  /** PostgreSQL instead of SQLite (DATABASE_URL), for several server processes. */
  databaseUrl?: string;
  /** When set (DRYDOCK_INSTRUCTOR_KEY), creating a classroom needs it as a bearer token. */
  instructorKey?: string;
  /** Creations (sessions, joins, classrooms) one learner may start per minute, at most. */
  rateLimitLearnerPerMinute: number;
  /** Creations one client address may start per minute (a classroom behind one NAT fits). */
  rateLimitAddressPerMinute: number;
  /** Behind a reverse proxy: take the client's address from X-Forwarded-For. */
  trustProxy: boolean;
  /** Step checks that run at once; more wait in line (DRYDOCK_CHECK_CONCURRENCY). */
  checkConcurrency: number;
  /** Re-evaluate an open practice step's checks as the sandbox changes (DRYDOCK_LIVE_CHECKS=0 turns it off). */
  liveChecks: boolean;
  /** The address people and LMSs reach Drydock at (DRYDOCK_PUBLIC_URL), e.g. https://drydock.example.edu;
   * unset: taken from each request's Host. LTI's redirect and launch URLs are built on it. */
  publicUrl?: string;
  /** Grade passback: the first wait after a platform failed to take a score, doubling to the cap. */
  ltiRetryBaseMs: number;
  ltiRetryMaxMs: number;
  /** Attempts before a score that never got through is marked failed. */
  ltiMaxAttempts: number;
}

export function loadConfig(): DrydockConfig {
  const dataDir = path.resolve(textSetting('DRYDOCK_DATA_DIR', '/var/lib/drydock'));
  const runDir = path.resolve(textSetting('DRYDOCK_RUN_DIR', '/run/drydock'));
  const gateway = textSetting('DRYDOCK_SANDBOX_GATEWAY', '10.213.0.1');
  return {
    port: numberSetting('PORT', 8080),
    host: textSetting('HOST', '0.0.0.0'),
    dataDir,
    runDir,
    dockerHost: process.env.DOCKER_HOST || undefined,
    engineSocket: path.join(runDir, 'docker.sock'),
    sandboxBridge: textSetting('DRYDOCK_SANDBOX_BRIDGE', 'drydock0'),
    sandboxSubnet: textSetting('DRYDOCK_SANDBOX_SUBNET', '10.213.0.0/22'),
    sandboxGateway: gateway,
    buildBridge: textSetting('DRYDOCK_BUILD_BRIDGE', 'drydockb0'),
    buildBridgeCidr: textSetting('DRYDOCK_BUILD_BRIDGE_CIDR', '10.213.8.1/24'),
    registryPort: numberSetting('DRYDOCK_REGISTRY_PORT', 5000),
    mirrorPort: numberSetting('DRYDOCK_MIRROR_PORT', 5000),
    mirrorUpstream: process.env.DRYDOCK_MIRROR_UPSTREAM || undefined,
    egress: textSetting('DRYDOCK_EGRESS', 'off') === 'on' ? 'on' : 'off',
    sandboxMemoryBytes: numberSetting('DRYDOCK_SANDBOX_MEMORY_MB', 1536) * 1024 * 1024,
    sandboxNanoCpus: Math.round(numberSetting('DRYDOCK_SANDBOX_CPUS', 1) * 1e9),
    sandboxPidsLimit: numberSetting('DRYDOCK_SANDBOX_PIDS', 1024),
    sandboxDiskMb: process.env.DRYDOCK_SANDBOX_DISK_MB ? numberSetting('DRYDOCK_SANDBOX_DISK_MB', 0) : undefined,
    hostDiskReserveMb: numberSetting('DRYDOCK_HOST_DISK_RESERVE_MB', 4096),
    idleTimeoutMs: numberSetting('DRYDOCK_IDLE_TIMEOUT_S', 30 * 60) * 1000,
    maxLifetimeMs: numberSetting('DRYDOCK_MAX_LIFETIME_S', 4 * 60 * 60) * 1000,
    maxSessions: numberSetting('DRYDOCK_MAX_SESSIONS', 30),
    maxPerLearner: numberSetting('DRYDOCK_SANDBOXES_PER_LEARNER', 3),
    warmPoolSize: numberSetting('DRYDOCK_WARM_POOL', 2),
    allowUnsafeEngine: process.env.DRYDOCK_ALLOW_UNSAFE_ENGINE === '1',
    instance: textSetting('DRYDOCK_INSTANCE', 'default'),
    databaseFile: path.resolve(textSetting('DRYDOCK_DATABASE_FILE', path.join(dataDir, 'drydock.sqlite'))),
    databaseUrl: process.env.DATABASE_URL || undefined,
    instructorKey: process.env.DRYDOCK_INSTRUCTOR_KEY || undefined,
    rateLimitLearnerPerMinute: numberSetting('DRYDOCK_RATE_LEARNER_PER_MIN', 6),
    rateLimitAddressPerMinute: numberSetting('DRYDOCK_RATE_ADDRESS_PER_MIN', 120),
    trustProxy: process.env.DRYDOCK_TRUST_PROXY === '1',
    liveChecks: process.env.DRYDOCK_LIVE_CHECKS !== '0',
    publicUrl: publicUrlSetting(),
    ltiRetryBaseMs: numberSetting('DRYDOCK_LTI_RETRY_S', 5) * 1000,
    ltiRetryMaxMs: numberSetting('DRYDOCK_LTI_RETRY_MAX_S', 60 * 60) * 1000,
    ltiMaxAttempts: Math.max(1, numberSetting('DRYDOCK_LTI_MAX_ATTEMPTS', 48)),
    checkConcurrency: numberSetting('DRYDOCK_CHECK_CONCURRENCY', Math.max(4, 4 * os.cpus().length)),
    scenarioDirs: (process.env.DRYDOCK_SCENARIOS ?? '').split(':').filter(Boolean).map((dir) => path.resolve(dir)),
    lessonsDir: path.resolve(textSetting('DRYDOCK_LESSONS_DIR', path.join(path.dirname(fileURLToPath(import.meta.url)), '../../lessons'))),
  };
}
