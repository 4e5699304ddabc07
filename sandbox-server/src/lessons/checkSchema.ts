// What each check kind accepts. The loader rejects unknown kinds, unknown keys and
// values of the wrong type, naming the key, so a typo never becomes a check that
// silently passes.
import type { CheckKind } from './lessonTypes.js';

type Validator = (value: unknown) => string | undefined;

const isString: Validator = (v) => (typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty text');
const isBoolean: Validator = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const isNumber: Validator = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'must be a number ≥ 0');
const isInteger: Validator = (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'must be a whole number ≥ 0');
const isPort: Validator = (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? undefined : 'must be a port 1-65535');
const isStringList: Validator = (v) =>
  Array.isArray(v) && v.length > 0 && v.every((item) => typeof item === 'string' || typeof item === 'number') ? undefined : 'must be a list of texts';
const isTextOrList: Validator = (v) => (typeof v === 'string' ? isString(v) : isStringList(v));
const isStringMap: Validator = (v) =>
  isPlainObject(v) && Object.values(v).every((item) => ['string', 'number', 'boolean'].includes(typeof item)) ? undefined : 'must be a mapping of names to values';
const oneOf = (...choices: string[]): Validator => (v) => (typeof v === 'string' && choices.includes(v) ? undefined : `must be one of ${choices.join(', ')}`);
const isRegex: Validator = (v) => {
  if (typeof v !== 'string') return 'must be a regular expression (text)';
  try {
    new RegExp(v);
    return undefined;
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
};
const isPortMap: Validator = (v) => {
  if (!isPlainObject(v)) return 'must map container ports to host ports, e.g. { "80": 8080 }';
  for (const [key, value] of Object.entries(v)) {
    if (!/^\d{1,5}(\/(tcp|udp))?$/.test(key)) return `has "${key}", not a container port like 80 or 80/tcp`;
    if (isPort(value)) return `maps ${key} to ${JSON.stringify(value)}, not a host port`;
  }
  return undefined;
};
const isMountList: Validator = (v) => {
  if (!Array.isArray(v) || v.length === 0) return 'must be a list of mounts';
  for (const mount of v) {
    if (!isPlainObject(mount)) return 'must list mappings like { type: volume, source: data, target: /data }';
    const unknown = Object.keys(mount).filter((key) => !['type', 'source', 'target'].includes(key));
    if (unknown.length) return `has unknown key ${unknown[0]} (allowed: type, source, target)`;
    if (oneOf('volume', 'bind', 'tmpfs')(mount.type)) return 'needs type: volume, bind or tmpfs';
    if (isString(mount.target)) return 'needs a target path';
  }
  return undefined;
};
const isAliasMap: Validator = (v) =>
  isPlainObject(v) && Object.values(v).every((aliases) => isStringList(aliases) === undefined) ? undefined : 'must map network names to lists of aliases';
const isServiceCounts: Validator = (v) =>
  isPlainObject(v) && Object.keys(v).length > 0 && Object.values(v).every((count) => isInteger(count) === undefined)
    ? undefined
    : 'must map service names to running counts, e.g. { web: 2, db: 1 }';
const isResolves: Validator = (v) =>
  isPlainObject(v) && isString(v.from) === undefined && isString(v.name) === undefined && Object.keys(v).length === 2
    ? undefined
    : 'must be { from: <container>, name: <name it resolves> }';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface KindSchema {
  keys: Record<string, Validator>;
  /** At least one of these keys must be present. */
  requireOne: string[];
}

export const CHECK_KINDS: Record<CheckKind, KindSchema> = {
  container: {
    requireOne: ['name', 'image', 'label'],
    keys: {
      name: isString, image: isString, label: isString, exists: isBoolean, count: isInteger,
      state: oneOf('running', 'exited', 'paused', 'created', 'restarting'),
      ports: isPortMap, env: isStringMap, mounts: isMountList, networks: isStringList, aliases: isAliasMap,
      restart: oneOf('no', 'always', 'unless-stopped', 'on-failure'), user: isString, nonRoot: isBoolean,
      health: oneOf('healthy', 'unhealthy', 'starting'), labels: isStringMap, exitCode: isInteger,
      logsContain: isString, memory: isString, cpus: isNumber,
    },
  },
  image: {
    requireOne: ['name'],
    keys: {
      name: isString, exists: isBoolean, maxSizeMb: isNumber, maxLayers: isInteger, minLayers: isInteger,
      nonRoot: isBoolean, user: isString, exposes: isStringList, cmd: isStringList, cmdContains: isString,
      entrypoint: isStringList, labels: isStringMap, env: isStringMap, workdir: isString, healthcheck: isBoolean,
      lacks: isStringList, contains: isStringList, lacksText: isString, builder: oneOf('buildkit', 'legacy'),
    },
  },
  volume: { requireOne: ['name'], keys: { name: isString, exists: isBoolean, driver: isString, usedBy: isString } },
  network: {
    requireOne: ['name'],
    keys: { name: isString, exists: isBoolean, driver: isString, containers: isStringList, resolves: isResolves },
  },
  compose: { requireOne: ['services'], keys: { project: isString, services: isServiceCounts, file: isString } },
  service: { requireOne: ['name'], keys: { name: isString, replicas: isInteger, image: isString } },
  file: { requireOne: ['path'], keys: { path: isString, exists: isBoolean, contains: isTextOrList, matches: isRegex } },
  http: { requireOne: ['port'], keys: { port: isPort, path: isString, status: isInteger, contains: isString } },
  history: { requireOne: ['contains', 'matches'], keys: { contains: isString, matches: isRegex } },
  command: { requireOne: ['run'], keys: { run: isString, exitCode: isInteger, outputContains: isString } },
  script: { requireOne: ['run'], keys: { run: isString, workdir: isString, source: isString } },
};

export const COMMON_CHECK_KEYS: Record<string, Validator> = {
  id: (v) => (typeof v === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(v) ? undefined : 'must be lowercase letters, digits and dashes'),
  title: isString,
  points: isInteger,
  timeout: (v) => (typeof v === 'number' && v > 0 && v <= 120 ? undefined : 'must be seconds between 0 and 120'),
  hints: (v) =>
    Array.isArray(v) &&
    v.every((hint) => typeof hint === 'string' || (isPlainObject(hint) && typeof hint.text === 'string' && typeof hint.when === 'string' && Object.keys(hint).length === 2))
      ? undefined
      : 'must be a list of texts or { when: <finding>, text: ... }',
};

/** Problems with one kind's settings, each as [key, message]. */
export function validateKindSpec(kind: CheckKind, spec: unknown): [string, string][] {
  const schema = CHECK_KINDS[kind];
  if (!isPlainObject(spec)) return [[kind, `${kind} must be a mapping of settings`]];
  const problems: [string, string][] = [];
  for (const [key, value] of Object.entries(spec)) {
    const validate = Object.hasOwn(schema.keys, key) ? schema.keys[key] : undefined;
    if (!validate) problems.push([key, `unknown ${kind} setting "${key}" (allowed: ${Object.keys(schema.keys).join(', ')})`]);
    else {
      const problem = validate(value);
      if (problem) problems.push([key, `${kind}.${key} ${problem}`]);
    }
  }
  if (!schema.requireOne.some((key) => key in spec)) problems.push([kind, `${kind} needs ${schema.requireOne.join(' or ')}`]);
  return problems;
}
