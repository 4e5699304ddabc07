// volume, network, compose and service: the engine's named resources.
import { fail, inspectIfExists, isNotFound, pass, shellWord, type CheckContext, type Finding } from './checkTypes.js';
import type { SpecOf } from '../lessons/checkSchema.js';

export async function checkVolume(spec: SpecOf<'volume'>, context: CheckContext): Promise<Finding> {
  const volume = await inspectIfExists(() => context.docker.getVolume(spec.name).inspect());
  if (!volume) {
    return spec.exists === false ? pass(`there is no volume ${spec.name}`) : fail('missing', `there is no volume ${spec.name}; \`docker volume ls\` lists what there is`);
  }
  if (spec.exists === false) return fail('still-exists', `the volume ${spec.name} still exists`);
  if (spec.driver && volume.Driver !== spec.driver) return fail('wrong-driver', `${spec.name} uses the ${volume.Driver} driver, not ${spec.driver}`);
  if (spec.usedBy) {
    const users = await context.docker.listContainers({ all: true, filters: { volume: [spec.name] } });
    const names = users.flatMap((container) => container.Names.map((name) => name.replace(/^\//, '')));
    if (!names.includes(spec.usedBy)) return fail('not-used', `${spec.name} is used by ${names.join(', ') || 'no container'}, not by ${spec.usedBy}`);
    return pass(`the volume ${spec.name} exists and ${spec.usedBy} uses it`);
  }
  return pass(`the volume ${spec.name} exists`);
}


export async function checkNetwork(spec: SpecOf<'network'>, context: CheckContext): Promise<Finding> {
  const network = await inspectIfExists(() => context.docker.getNetwork(spec.name).inspect());
  if (!network) {
    return spec.exists === false ? pass(`there is no network ${spec.name}`) : fail('missing', `there is no network ${spec.name}; \`docker network ls\` lists what there is`);
  }
  if (spec.exists === false) return fail('still-exists', `the network ${spec.name} still exists`);
  if (spec.driver && network.Driver !== spec.driver) return fail('wrong-driver', `${spec.name} uses the ${network.Driver} driver, not ${spec.driver}`);
  if (spec.containers) {
    const attached = Object.values((network.Containers ?? {}) as Record<string, { Name: string }>).map((container) => container.Name);
    const missing = spec.containers.filter((name) => !attached.includes(String(name)));
    if (missing.length) return fail('not-attached', `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not attached to ${spec.name} (attached: ${attached.join(', ') || 'none'})`);
  }
  if (spec.resolves) {
    const { from, name } = spec.resolves;
    const probe = `getent hosts ${name} >/dev/null 2>&1 || python3 -c 'import socket,sys; socket.gethostbyname(sys.argv[1])' ${name} >/dev/null 2>&1 || nslookup ${name} >/dev/null 2>&1`;
    const result = await context.exec(`docker exec ${shellWord(from)} sh -c ${shellWord(probe)}`, 8000);
    if (result.exitCode !== 0) return fail('no-resolution', `${from} cannot resolve ${name}${result.output.includes('No such container') ? ` (${from} does not exist)` : ''}`);
    return pass(`${spec.name} exists and ${from} resolves ${name}`);
  }
  return pass(`the network ${spec.name} exists${spec.containers ? ` with ${spec.containers.join(', ')} attached` : ''}`);
}

export async function checkCompose(spec: SpecOf<'compose'>, context: CheckContext): Promise<Finding> {
  const filters = { label: [spec.project ? `com.docker.compose.project=${spec.project}` : 'com.docker.compose.project'] };
  // `docker compose run` leaves one-off containers with the service's label: not the service.
  const containers = (await context.docker.listContainers({ all: true, filters })).filter((container) => container.Labels['com.docker.compose.oneoff'] !== 'True');
  const project = spec.project ?? 'the Compose project';
  if (containers.length === 0) return fail('missing', `${project} has no containers; run \`docker compose up -d\` in its folder`);
  if (spec.file) {
    const files = containers[0].Labels['com.docker.compose.project.config_files'] ?? '';
    if (!files.split(',').some((file) => file === spec.file || file.endsWith('/' + spec.file))) {
      return fail('wrong-file', `${project} was started from ${files || 'an unknown file'}, not ${spec.file}`);
    }
  }
  const found: string[] = [];
  for (const [service, wanted] of Object.entries(spec.services)) {
    const running = containers.filter((container) => container.Labels['com.docker.compose.service'] === service && container.State === 'running').length;
    if (running !== wanted) {
      const code = running === 0 ? 'service-down' : 'wrong-scale';
      return fail(code, `${project}: service ${service} runs ${running} container${running === 1 ? '' : 's'}, not ${wanted}`);
    }
    found.push(`${service}×${running}`);
  }
  return pass(`${project} runs ${found.join(', ')}`);
}

export async function checkService(spec: SpecOf<'service'>, context: CheckContext): Promise<Finding> {
  let service;
  try {
    service = await context.docker.getService(spec.name).inspect();
  } catch (error) {
    const message = String((error as Error).message ?? '');
    if (isNotFound(error)) return fail('missing', `there is no service ${spec.name}; \`docker service ls\` lists what there is`);
    if (message.includes('swarm')) return fail('no-swarm', 'this engine is not a swarm manager: run `docker swarm init` first');
    throw error;
  }
  if (spec.image) {
    const image = String(service.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '').split('@')[0];
    if (image !== spec.image && image !== `${spec.image}:latest`) return fail('wrong-image', `${spec.name} runs ${image}, not ${spec.image}`);
  }
  if (spec.replicas !== undefined) {
    const tasks = await context.docker.listTasks({ filters: { service: [spec.name], 'desired-state': ['running'] } });
    const running = tasks.filter((task: { Status?: { State?: string } }) => task.Status?.State === 'running').length;
    if (running !== spec.replicas) return fail('wrong-replicas', `${spec.name} has ${running} running replica${running === 1 ? '' : 's'}, not ${spec.replicas}`);
    return pass(`${spec.name} runs ${running} replicas`);
  }
  return pass(`the service ${spec.name} exists`);
}
