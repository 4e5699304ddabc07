// Every check kind, defined once: the settings it takes and the rule each must follow.
// From this one table come the loader's validation (an unknown kind, an unknown key or a
// value of the wrong type is refused, naming the key, so a typo never becomes a check
// that silently passes), the TypeScript types of the kinds and their settings (CheckKind,
// SpecOf), and the reference table in lessons/README.md (renderCheckReference, kept equal
// by a test). Adding a kind is adding an entry here and its runner in checkEngine.ts.

import { rule, type Rule } from './schemaRules.js';

const isString = rule<string>('text', (v) => (typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty text'));
const isBoolean = rule<boolean>('true/false', (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'));
const isNumber = rule<number>('number', (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'must be a number ≥ 0'));
const isInteger = rule<number>('whole number', (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'must be a whole number ≥ 0'));
const isPort = rule<number>('port', (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? undefined : 'must be a port 1-65535'));
const isStringList = rule<(string | number)[]>('list of texts', (v) =>
  Array.isArray(v) && v.length > 0 && v.every((item) => typeof item === 'string' || typeof item === 'number') ? undefined : 'must be a list of texts',
);
const isTextOrList = rule<string | (string | number)[]>('text or list of texts', (v) => (typeof v === 'string' ? isString.check(v) : isStringList.check(v)));
const isStringMap = rule<Record<string, string | number | boolean>>('mapping of names to values', (v) =>
  isPlainObject(v) && Object.values(v).every((item) => ['string', 'number', 'boolean'].includes(typeof item)) ? undefined : 'must be a mapping of names to values',
);
const oneOf = <T extends string>(...choices: T[]) =>
  rule<T>(choices.join(' \\| '), (v) => (typeof v === 'string' && (choices as string[]).includes(v) ? undefined : `must be one of ${choices.join(', ')}`));
const isRegex = rule<string>('regular expression', (v) => {
  if (typeof v !== 'string') return 'must be a regular expression (text)';
  try {
    new RegExp(v);
    return undefined;
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
});
const isPortMap = rule<Record<string, number>>('{ "80": 8080 }', (v) => {
  if (!isPlainObject(v)) return 'must map container ports to host ports, e.g. { "80": 8080 }';
  for (const [key, value] of Object.entries(v)) {
    if (!/^\d{1,5}(\/(tcp|udp))?$/.test(key)) return `has "${key}", not a container port like 80 or 80/tcp`;
    if (isPort.check(value)) return `maps ${key} to ${JSON.stringify(value)}, not a host port`;
  }
  return undefined;
});
const MOUNT_TYPES = oneOf('volume', 'bind', 'tmpfs');
const isMountList = rule<{ type: 'volume' | 'bind' | 'tmpfs'; source?: string; target: string }[]>('list of { type, source, target }', (v) => {
  if (!Array.isArray(v) || v.length === 0) return 'must be a list of mounts';
  for (const mount of v) {
    if (!isPlainObject(mount)) return 'must list mappings like { type: volume, source: data, target: /data }';
    const unknown = Object.keys(mount).filter((key) => !['type', 'source', 'target'].includes(key));
    if (unknown.length) return `has unknown key ${unknown[0]} (allowed: type, source, target)`;
    if (MOUNT_TYPES.check(mount.type)) return 'needs type: volume, bind or tmpfs';
    if (isString.check(mount.target)) return 'needs a target path';
  }
  return undefined;
});
const isAliasMap = rule<Record<string, (string | number)[]>>('{ network: [aliases] }', (v) =>
  isPlainObject(v) && Object.values(v).every((aliases) => isStringList.check(aliases) === undefined) ? undefined : 'must map network names to lists of aliases',
);
const isServiceCounts = rule<Record<string, number>>('{ service: count }', (v) =>
  isPlainObject(v) && Object.keys(v).length > 0 && Object.values(v).every((count) => isInteger.check(count) === undefined)
    ? undefined
    : 'must map service names to running counts, e.g. { web: 2, db: 1 }',
);
const isResolves = rule<{ from: string; name: string }>('{ from, name }', (v) =>
  isPlainObject(v) && isString.check(v.from) === undefined && isString.check(v.name) === undefined && Object.keys(v).length === 2
    ? undefined
    : 'must be { from: <container>, name: <name it resolves> }',
);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface KindSchema {
  /** What the kind looks at, for the reference. */
  about: string;
  keys: Readonly<Record<string, Rule<unknown>>>;
  /** At least one of these keys must be present (the only one is required outright). */
  requireOne: readonly string[];
}

export const CHECK_KINDS = {
  container: {
    about: 'a container, found by name, image or label: whether it exists, its state, ports, environment, mounts, networks, health, user, limits, logs',
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
    about: 'an image on the engine: its size, layers, user, ports, command, labels, what it holds and lacks, the builder that made it',
    requireOne: ['name'],
    keys: {
      name: isString, exists: isBoolean, maxSizeMb: isNumber, maxLayers: isInteger, minLayers: isInteger,
      nonRoot: isBoolean, user: isString, exposes: isStringList, cmd: isStringList, cmdContains: isString,
      entrypoint: isStringList, labels: isStringMap, env: isStringMap, workdir: isString, healthcheck: isBoolean,
      lacks: isStringList, contains: isStringList, lacksText: isString, builder: oneOf('buildkit', 'legacy'),
    },
  },
  volume: { about: 'a volume: whether it exists, its driver, which container uses it', requireOne: ['name'], keys: { name: isString, exists: isBoolean, driver: isString, usedBy: isString } },
  network: {
    about: 'a network: whether it exists, its driver, its containers, a name one of them resolves',
    requireOne: ['name'],
    keys: { name: isString, exists: isBoolean, driver: isString, containers: isStringList, resolves: isResolves },
  },
  compose: { about: 'a Compose project: how many containers of each service run', requireOne: ['services'], keys: { project: isString, services: isServiceCounts, file: isString } },
  service: { about: 'a Swarm service: its running replicas and image', requireOne: ['name'], keys: { name: isString, replicas: isInteger, image: isString } },
  file: { about: 'a file in the working directory: whether it exists, what it contains', requireOne: ['path'], keys: { path: isString, exists: isBoolean, contains: isTextOrList, matches: isRegex } },
  http: { about: 'an HTTP GET on a port published in the sandbox: its status and body', requireOne: ['port'], keys: { port: isPort, path: isString, status: isInteger, contains: isString } },
  history: { about: "a command the learner typed in this lesson's sandbox since the step opened", requireOne: ['contains', 'matches'], keys: { contains: isString, matches: isRegex } },
  command: { about: 'a shell command run in the working directory: its exit code and output', requireOne: ['run'], keys: { run: isString, exitCode: isInteger, outputContains: isString } },
  script: { about: "a script's own verdict (an imported scenario's verify.sh): exit 0 passes", requireOne: ['run'], keys: { run: isString, workdir: isString, source: isString } },
} as const satisfies Record<string, KindSchema>;

export type CheckKind = keyof typeof CHECK_KINDS;

type Schema<K extends CheckKind> = (typeof CHECK_KINDS)[K];
type ValueOf<R> = R extends Rule<infer T> ? T : never;
type Settings<K extends CheckKind> = { [Key in keyof Schema<K>['keys']]?: ValueOf<Schema<K>['keys'][Key]> };
type RequiredSetting<K extends CheckKind> = Schema<K>['requireOne'] extends readonly [infer Only extends keyof Schema<K>['keys']]
  ? { [Key in Only]: ValueOf<Schema<K>['keys'][Key]> }
  : unknown;
/** A kind's settings as its runner receives them (validated by the loader first). */
export type SpecOf<K extends CheckKind> = Settings<K> & RequiredSetting<K>;

/** The keys every check has beside its kind. */
export const COMMON_CHECK_KEYS = {
  id: rule<string>('lowercase letters, digits and dashes', (v) => (typeof v === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(v) ? undefined : 'must be lowercase letters, digits and dashes')),
  title: isString,
  points: isInteger,
  timeout: rule<number>('seconds ≤ 120, default 10', (v) => (typeof v === 'number' && v > 0 && v <= 120 ? undefined : 'must be seconds between 0 and 120')),
  hints: rule<(string | { when: string; text: string })[]>('list of texts or { when: <finding>, text }', (v) =>
    Array.isArray(v) &&
    v.every((hint) => typeof hint === 'string' || (isPlainObject(hint) && typeof hint.text === 'string' && typeof hint.when === 'string' && Object.keys(hint).length === 2))
      ? undefined
      : 'must be a list of texts or { when: <finding>, text: ... }',
  ),
} satisfies Record<string, Rule<unknown>>;

/** Problems with one kind's settings, each as [key, message]. */
export function validateKindSpec(kind: CheckKind, spec: unknown): [string, string][] {
  const schema = CHECK_KINDS[kind];
  if (!isPlainObject(spec)) return [[kind, `${kind} must be a mapping of settings`]];
  const problems: [string, string][] = [];
  const keys: Readonly<Record<string, Rule<unknown>>> = schema.keys;
  for (const [key, value] of Object.entries(spec)) {
    const setting = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (!setting) problems.push([key, `unknown ${kind} setting "${key}" (allowed: ${Object.keys(keys).join(', ')})`]);
    else {
      const problem = setting.check(value);
      if (problem) problems.push([key, `${kind}.${key} ${problem}`]);
    }
  }
  if (!(schema.requireOne as readonly string[]).some((key) => key in spec)) problems.push([kind, `${kind} needs ${schema.requireOne.join(' or ')}`]);
  return problems;
}

/** The reference of every check kind and its settings, as lessons/README.md shows it. */
export function renderCheckReference(): string {
  const settings = (keys: Readonly<Record<string, Rule<unknown>>>, required: readonly string[] = []) =>
    Object.entries(keys)
      .map(([key, setting]) => `\`${key}\`${required.includes(key) ? '*' : ''} (${setting.says})`)
      .join(', ');
  const rows = Object.entries(CHECK_KINDS).map(([kind, schema]) => `| \`${kind}\` | ${schema.about} | ${settings(schema.keys, schema.requireOne)} |`);
  return [
    '| kind | what it looks at | settings (* at least one of these) |',
    '| --- | --- | --- |',
    ...rows,
    '',
    `Every check also has ${settings(COMMON_CHECK_KEYS)}; \`id\` and \`title\` are required.`,
  ].join('\n');
}
