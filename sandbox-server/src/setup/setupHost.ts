// Everything the host needs before sandboxes can be served, each step skipped when done:
// packages, the engine, the sandbox network and firewall, the registry mirror, the images.
import type { DrydockConfig } from '../config.js';
import { ensureHostPackages } from './hostPackages.js';
import { ensureEngine, type EngineChoice } from './engineDaemon.js';
import { applyFirewall, ensureSandboxNetwork } from './hostNetwork.js';
import { ensureRegistry } from './registryMirror.js';
import { ensureImages } from '../images/imageBuilder.js';
import { imageTools } from '../images/imageTools.js';
import { note, step } from './progress.js';
import { raiseKernelLimits } from './kernelLimits.js';

export async function setUpHost(config: DrydockConfig): Promise<EngineChoice> {
  await step('checking host packages', ensureHostPackages);
  const engine = await step('connecting to the Docker engine', () => ensureEngine(config));
  await step('kernel limits shared by sandboxes', async () => {
    for (const change of raiseKernelLimits()) note(`raised ${change}`);
  });
  await step('sandbox network and firewall', async () => {
    await ensureSandboxNetwork(engine.docker, config);
    await applyFirewall(config);
  });
  await step('registry mirror', () => ensureRegistry(config));
  await step('images', () => ensureImages(config, imageTools(engine.docker, engine.address)));
  return engine;
}
