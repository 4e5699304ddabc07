// Builds the configured sandbox backend for an engine.
import type { DrydockConfig } from '../config.js';
import type { EngineChoice } from '../setup/engineDaemon.js';
import { SANDBOX_NETWORK } from '../setup/hostNetwork.js';
import { sandboxImageTag } from '../images/imageBuilder.js';
import { DockerSandboxBackend } from './dockerSandboxBackend.js';
import { engineRemapsUsers } from './hostEngine.js';
import type { SandboxBackend } from './sandboxBackend.js';

export async function createBackend(config: DrydockConfig, engine: EngineChoice): Promise<SandboxBackend> {
  return new DockerSandboxBackend(engine.docker, {
    image: sandboxImageTag(),
    network: SANDBOX_NETWORK,
    mirror: `${config.sandboxGateway}:${config.mirrorPort}`,
    memoryBytes: config.sandboxMemoryBytes,
    nanoCpus: config.sandboxNanoCpus,
    pidsLimit: config.sandboxPidsLimit,
    instance: config.instance,
    egress: config.egress,
    userNamespaced: await engineRemapsUsers(engine.docker),
  });
}
