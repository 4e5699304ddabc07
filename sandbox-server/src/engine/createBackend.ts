// Builds the configured sandbox backend for an engine.
import path from 'node:path';
import type { DrydockConfig } from '../config.js';
import type { EngineChoice } from '../setup/engineDaemon.js';
import { SANDBOX_NETWORK } from '../setup/hostNetwork.js';
import { sandboxImageTag } from '../images/imageBuilder.js';
import { mirrorAddress } from '../setup/registryMirror.js';
import { DockerSandboxBackend } from './dockerSandboxBackend.js';
import { engineRemapsUsers } from './hostEngine.js';
import { remappedRoot } from './cgroupDelegation.js';
import { prepareSandboxDisks } from './sandboxDisk.js';
import type { SandboxBackend } from './sandboxBackend.js';

export async function createBackend(config: DrydockConfig, engine: EngineChoice): Promise<SandboxBackend> {
  const userNamespaced = await engineRemapsUsers(engine.docker);
  const disks = await prepareSandboxDisks(config, userNamespaced ? remappedRoot() : { uid: 0, gid: 0 });
  return new DockerSandboxBackend(engine.docker, {
    image: sandboxImageTag(),
    network: SANDBOX_NETWORK,
    mirror: mirrorAddress(config),
    memoryBytes: config.sandboxMemoryBytes,
    nanoCpus: config.sandboxNanoCpus,
    pidsLimit: config.sandboxPidsLimit,
    instance: config.instance,
    egress: config.egress,
    userNamespaced,
    disks,
    // Drydock's own engine: where its containerd and runc keep their state.
    engineExecRoot: engine.ownEngine ? path.join(config.runDir, 'engine') : undefined,
  });
}
