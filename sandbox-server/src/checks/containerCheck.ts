// container: a container (by name, image or label) and its state, image, ports, env,
// mounts, networks, restart policy, user, health, labels, exit code, logs and limits.
import type Docker from 'dockerode';
import { fail, inspectIfExists, normalizeImage, pass, quote, type CheckContext, type Finding } from './checkTypes.js';
import type { SpecOf } from '../lessons/checkSchema.js';

type ContainerSpec = SpecOf<'container'>;

type Info = Docker.ContainerInspectInfo;

export async function checkContainer(spec: ContainerSpec, context: CheckContext): Promise<Finding> {
  const what = spec.name ? `container ${spec.name}` : spec.image ? `a container from ${spec.image}` : `a container labelled ${spec.label}`;
  const candidates = await findContainers(spec, context.docker);
  if (spec.exists === false) {
    return candidates.length === 0 ? pass(`${what} does not exist`) : fail('still-exists', `${what} still exists (${describeState(candidates[0])})`);
  }
  if (candidates.length === 0) return fail('missing', `there is no ${what.replace(/^a /, '')}${spec.name ? '' : ''}; \`docker ps -a\` lists what there is`);

  const findings: Finding[] = [];
  for (const info of candidates) findings.push(await checkOne(info, spec, context));
  const passing = findings.filter((finding) => finding.passed);
  const needed = spec.count ?? 1;
  if (passing.length >= needed) {
    return pass(needed > 1 ? `${passing.length} containers match: ${passing[0].message}` : passing[0].message);
  }
  if (needed > 1 && passing.length > 0) return fail('too-few', `${passing.length} of the ${needed} containers needed match (${what})`);
  return findings.find((finding) => !finding.passed)!;
}

async function findContainers(spec: ContainerSpec, docker: Docker): Promise<Info[]> {
  if (spec.name) {
    const info = await inspectIfExists(() => docker.getContainer(spec.name!).inspect());
    return info ? [info] : [];
  }
  const filters: Record<string, string[]> = spec.label ? { label: [spec.label] } : {};
  const listed = await docker.listContainers({ all: true, filters });
  const wanted = spec.image ? normalizeImage(spec.image) : undefined;
  const matching = listed.filter((container) => !wanted || normalizeImage(container.Image) === wanted);
  return Promise.all(matching.map((container) => docker.getContainer(container.Id).inspect()));
}

function nameOf(info: Info): string {
  return info.Name.replace(/^\//, '');
}

function describeState(info: Info): string {
  const state = info.State.Status;
  return state === 'exited' ? `exited with code ${info.State.ExitCode}` : state;
}

async function checkOne(info: Info, spec: ContainerSpec, context: CheckContext): Promise<Finding> {
  const name = nameOf(info);
  const facts: string[] = [];
  if (spec.state) {
    if (info.State.Status !== spec.state) {
      const code = spec.state === 'running' ? 'not-running' : 'wrong-state';
      return fail(code, `${name} is ${describeState(info)}, not ${spec.state}`);
    }
    facts.push(`is ${spec.state}`);
  }
  if (spec.image) {
    const actual = normalizeImage(info.Config.Image);
    if (actual !== normalizeImage(spec.image)) return fail('wrong-image', `${name} runs ${info.Config.Image}, not ${spec.image}`);
    facts.push(`runs ${spec.image}`);
  }
  if (spec.ports) {
    const bindings = { ...(info.HostConfig.PortBindings ?? {}), ...(info.NetworkSettings.Ports ?? {}) } as Record<string, { HostPort: string }[] | null>;
    for (const [containerPort, hostPort] of Object.entries(spec.ports)) {
      const key = containerPort.includes('/') ? containerPort : `${containerPort}/tcp`;
      const published = (bindings[key] ?? []).map((binding) => Number(binding.HostPort)).filter(Boolean);
      if (!published.includes(hostPort)) {
        const found = published.length ? `publishes ${containerPort} on ${[...new Set(published)].join(', ')}` : `does not publish ${containerPort}`;
        return fail('wrong-port', `${name} ${found}, not on ${hostPort}`);
      }
      facts.push(`publishes ${containerPort} on ${hostPort}`);
    }
  }
  if (spec.env) {
    const env = new Map((info.Config.Env ?? []).map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
    for (const [key, value] of Object.entries(spec.env)) {
      if (!env.has(key)) return fail('missing-env', `${name} has no environment variable ${key}`);
      if (env.get(key) !== String(value)) return fail('wrong-env', `${name} has ${key}=${env.get(key)}, not ${key}=${value}`);
    }
    facts.push(`has ${Object.keys(spec.env).join(', ')} set`);
  }
  if (spec.mounts) {
    for (const mount of spec.mounts) {
      const finding = checkMount(info, mount);
      if (finding) return finding;
    }
    facts.push(`mounts ${spec.mounts.map((mount) => mount.target).join(', ')}`);
  }
  if (spec.networks) {
    const networks = Object.keys(info.NetworkSettings.Networks ?? {});
    for (const network of spec.networks) {
      if (!networks.includes(String(network))) return fail('wrong-network', `${name} is on ${networks.join(', ') || 'no network'}, not on ${network}`);
    }
    facts.push(`is on ${spec.networks.join(', ')}`);
  }
  if (spec.aliases) {
    for (const [network, aliases] of Object.entries(spec.aliases)) {
      const actual = info.NetworkSettings.Networks?.[network]?.Aliases ?? [];
      const missing = aliases.filter((alias) => !actual.includes(alias));
      if (missing.length) return fail('missing-alias', `${name} is not known as ${missing.join(', ')} on ${network}`);
    }
  }
  if (spec.restart) {
    const policy = info.HostConfig.RestartPolicy?.Name || 'no';
    if (policy !== spec.restart) return fail('wrong-restart', `${name} has restart policy ${policy}, not ${spec.restart}`);
    facts.push(`restarts ${spec.restart}`);
  }
  if (spec.user !== undefined || spec.nonRoot) {
    const user = info.Config.User || '';
    if (spec.user !== undefined && user.split(':')[0] !== spec.user) return fail('wrong-user', `${name} runs as ${user || 'root'}, not ${spec.user}`);
    if (spec.nonRoot && isRootUser(user)) return fail('runs-as-root', `${name} runs as root`);
  }
  if (spec.health) {
    const health = info.State.Health?.Status;
    if (!health) return fail('no-healthcheck', `${name} has no health check`);
    if (health !== spec.health) return fail(`health-${health}`, `${name} is ${health}, not ${spec.health}`);
    facts.push(`is ${health}`);
  }
  if (spec.labels) {
    for (const [key, value] of Object.entries(spec.labels)) {
      const actual = info.Config.Labels?.[key];
      if (actual !== String(value)) return fail('wrong-label', actual === undefined ? `${name} has no label ${key}` : `${name} has label ${key}=${actual}, not ${value}`);
    }
  }
  if (spec.exitCode !== undefined) {
    if (info.State.Running) return fail('still-running', `${name} is still running`);
    if (info.State.ExitCode !== spec.exitCode) return fail('wrong-exit-code', `${name} exited with code ${info.State.ExitCode}, not ${spec.exitCode}`);
  }
  if (spec.memory) {
    const wanted = parseBytes(spec.memory);
    if (info.HostConfig.Memory !== wanted) {
      return fail('wrong-memory', info.HostConfig.Memory ? `${name} is limited to ${info.HostConfig.Memory} bytes, not ${spec.memory}` : `${name} has no memory limit`);
    }
  }
  if (spec.cpus !== undefined) {
    const nano = info.HostConfig.NanoCpus ?? 0;
    if (Math.abs(nano - spec.cpus * 1e9) > 1e6) return fail('wrong-cpus', nano ? `${name} may use ${nano / 1e9} CPUs, not ${spec.cpus}` : `${name} has no CPU limit`);
  }
  if (spec.logsContain) {
    const logs = await readLogs(context.docker, info);
    if (!logs.includes(spec.logsContain)) return fail('logs-missing', `the logs of ${name} do not contain ${quote(spec.logsContain)}`);
  }
  return pass(`${name}${facts.length ? ' ' + facts.join(', ') : ' exists'}`);
}

function checkMount(info: Info, wanted: { type: string; source?: string; target: string }): Finding | undefined {
  const name = nameOf(info);
  const mounts = (info.Mounts ?? []) as { Type: string; Name?: string; Source: string; Destination: string }[];
  const tmpfs = Object.keys(info.HostConfig.Tmpfs ?? {}).map((target) => ({ Type: 'tmpfs', Name: undefined, Source: '', Destination: target }));
  const atTarget = [...mounts, ...tmpfs].find((mount) => mount.Destination === wanted.target);
  if (!atTarget) return fail('missing-mount', `${name} mounts nothing at ${wanted.target}`);
  if (atTarget.Type !== wanted.type) return fail('wrong-mount', `${name} mounts a ${atTarget.Type} at ${wanted.target}, not a ${wanted.type}`);
  if (wanted.source) {
    const source = atTarget.Type === 'volume' ? atTarget.Name : atTarget.Source;
    const matches = atTarget.Type === 'bind' ? source === wanted.source || source?.endsWith('/' + wanted.source.replace(/^\.\//, '')) : source === wanted.source;
    if (!matches) return fail('wrong-mount', `${name} mounts ${source} at ${wanted.target}, not ${wanted.source}`);
  }
  return undefined;
}

export function isRootUser(user: string): boolean {
  const name = user.split(':')[0];
  return name === '' || name === 'root' || name === '0';
}

export function parseBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(text.trim());
  if (!match) return NaN;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(match[1]) * unit);
}

async function readLogs(docker: Docker, info: Info): Promise<string> {
  const raw = (await docker.getContainer(info.Id).logs({ stdout: true, stderr: true, tail: 5000, follow: false })) as unknown as Buffer;
  if (info.Config.Tty) return raw.toString();
  // Without a TTY, each frame has an 8-byte header: stream, 0, 0, 0, size (big-endian).
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString();
}
