// image: an image and its size, layers, user, ports, command, labels, env, health
// check, which paths it holds or lacks (a multi-stage build leaves its tools behind),
// which builder made it, and a text (a secret) that must be in none of its layers.
import type Docker from 'dockerode';
import { isRootUser } from './containerCheck.js';
import { fail, inspectIfExists, isNotFound, pass, quote, shellWord, type CheckContext, type Finding } from './checkTypes.js';
import type { SpecOf } from '../lessons/checkSchema.js';

type ImageSpec = SpecOf<'image'>;

export async function checkImage(spec: ImageSpec, context: CheckContext, timeoutMs = 10_000): Promise<Finding> {
  const info = await inspectIfExists(() => context.docker.getImage(spec.name).inspect());
  if (!info) {
    return spec.exists === false ? pass(`there is no image ${spec.name}`) : fail('missing', `there is no image ${spec.name}; \`docker images\` lists what there is`);
  }
  if (spec.exists === false) return fail('still-exists', `the image ${spec.name} still exists`);
  const name = spec.name;
  const config = info.Config;
  const facts: string[] = [];
  const sizeMb = info.Size / 1e6;
  if (spec.maxSizeMb !== undefined) {
    if (sizeMb > spec.maxSizeMb) return fail('too-big', `${name} is ${sizeMb.toFixed(1)} MB, over ${spec.maxSizeMb} MB`);
    facts.push(`is ${sizeMb.toFixed(1)} MB`);
  }
  const layers = info.RootFS?.Layers?.length ?? 0;
  if (spec.maxLayers !== undefined && layers > spec.maxLayers) return fail('too-many-layers', `${name} has ${layers} layers, more than ${spec.maxLayers}`);
  if (spec.minLayers !== undefined && layers < spec.minLayers) return fail('too-few-layers', `${name} has ${layers} layers, fewer than ${spec.minLayers}`);
  const user = config.User ?? '';
  if (spec.nonRoot && isRootUser(user)) return fail('runs-as-root', `${name} runs as root: add a USER instruction`);
  if (spec.user !== undefined && user.split(':')[0] !== spec.user) return fail('wrong-user', `${name} runs as ${user || 'root'}, not ${spec.user}`);
  if (spec.nonRoot || spec.user) facts.push(`runs as ${user}`);
  if (spec.exposes) {
    const exposed = Object.keys(config.ExposedPorts ?? {});
    for (const port of spec.exposes) {
      const key = String(port).includes('/') ? String(port) : `${port}/tcp`;
      if (!exposed.includes(key)) return fail('not-exposed', `${name} exposes ${exposed.join(', ') || 'no port'}, not ${port}`);
    }
  }
  if (spec.cmd && JSON.stringify(config.Cmd ?? []) !== JSON.stringify(spec.cmd.map(String))) {
    return fail('wrong-cmd', `${name} has CMD ${JSON.stringify(config.Cmd ?? [])}, not ${JSON.stringify(spec.cmd)}`);
  }
  if (spec.cmdContains && !(config.Cmd ?? []).join(' ').includes(spec.cmdContains)) {
    return fail('wrong-cmd', `${name} has CMD ${JSON.stringify(config.Cmd ?? [])}, which does not mention ${quote(spec.cmdContains)}`);
  }
  if (spec.entrypoint && JSON.stringify(config.Entrypoint ?? []) !== JSON.stringify(spec.entrypoint.map(String))) {
    return fail('wrong-entrypoint', `${name} has ENTRYPOINT ${JSON.stringify(config.Entrypoint ?? [])}, not ${JSON.stringify(spec.entrypoint)}`);
  }
  for (const [key, value] of Object.entries(spec.labels ?? {})) {
    const actual = config.Labels?.[key];
    if (actual !== String(value)) return fail('wrong-label', actual === undefined ? `${name} has no label ${key}` : `${name} has label ${key}=${actual}, not ${value}`);
  }
  const env = new Map((config.Env ?? []).map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    if (env.get(key) !== String(value)) return fail('wrong-env', env.has(key) ? `${name} sets ${key}=${env.get(key)}, not ${value}` : `${name} does not set ${key}`);
  }
  if (spec.workdir && config.WorkingDir !== spec.workdir) return fail('wrong-workdir', `${name} works in ${config.WorkingDir || '/'}, not ${spec.workdir}`);
  if (spec.healthcheck) {
    const test = (config as { Healthcheck?: { Test?: string[] } }).Healthcheck?.Test ?? [];
    if (!test.length || test[0] === 'NONE') return fail('no-healthcheck', `${name} has no HEALTHCHECK`);
    facts.push('has a health check');
  }
  if (spec.builder) {
    const built = await builderOf(context.docker, name);
    if (built !== spec.builder) return fail('wrong-builder', `${name} was built by ${BUILDER_NAMES[built]}, not ${BUILDER_NAMES[spec.builder]}`);
    facts.push(`was built by ${BUILDER_NAMES[built]}`);
  }
  if (spec.lacks || spec.contains) {
    const finding = await checkPaths(context.docker, spec);
    if (finding) return finding;
  }
  if (spec.lacksText !== undefined) {
    const finding = await checkText(context, name, spec.lacksText, timeoutMs);
    if (finding) return finding;
    facts.push('holds the text in none of its layers');
  }
  return pass(`${name}${facts.length ? ' ' + facts.join(', ') : ' exists'}`);
}

/** Looks inside the image through a created (never started) container. */
async function checkPaths(docker: Docker, spec: ImageSpec): Promise<Finding | undefined> {
  const container = await docker.createContainer({ Image: spec.name, Entrypoint: ['/nonexistent'], Cmd: [], Labels: { 'drydock.check': 'true' } });
  try {
    const exists = async (path: string) =>
      container.infoArchive({ path }).then(
        () => true,
        (error: unknown) => {
          if (isNotFound(error)) return false;
          throw error;
        },
      );
    for (const path of spec.lacks ?? []) if (await exists(String(path))) return fail('contains-path', `${spec.name} still contains ${path}`);
    for (const path of spec.contains ?? []) if (!(await exists(String(path)))) return fail('missing-path', `${spec.name} does not contain ${path}`);
    return undefined;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

const BUILDER_NAMES = { buildkit: 'BuildKit', legacy: 'the legacy builder' } as const;

/** BuildKit's Dockerfile frontend marks each step of the history it writes; the legacy
 * builder leaves the comment empty. The newest step tells who built the image. */
async function builderOf(docker: Docker, name: string): Promise<'buildkit' | 'legacy'> {
  const history = (await docker.getImage(name).history()) as { Comment?: string }[];
  return history[0]?.Comment?.startsWith('buildkit') ? 'buildkit' : 'legacy';
}

/** Searches every layer, the configuration and the history of the image, as
 * `docker save` writes them (uncompressed), for the text. */
async function checkText(context: CheckContext, name: string, text: string, timeoutMs: number): Promise<Finding | undefined> {
  const result = await context.exec(`docker save ${shellWord(name)} | grep -a -c -F -e ${shellWord(text)}`, timeoutMs);
  if (result.exitCode === 0) return fail('text-in-image', `${name} holds the text ${quote(text)} in a layer or in its history: \`docker history --no-trunc ${name}\` shows each step`);
  if (result.exitCode !== 1) throw new Error(`could not read the layers of ${name}: ${result.output.trim().slice(0, 200)}`);
  return undefined;
}
