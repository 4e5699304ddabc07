// Pushes locally built images into the registry mirror as library/<name>:<tag>, a few
// images at a time, skipping any tag whose manifest in the registry already matches the
// local image.
import type { DrydockConfig } from '../config.js';
import { registryAddress } from '../setup/registryMirror.js';
import type { ImageTools } from './imageTools.js';
import type { CheckQueue } from '../checks/checkQueue.js';

export interface Publication {
  localTag: string;
  name: string;
  tags: string[];
}

const MANIFEST_TYPES = 'application/vnd.docker.distribution.manifest.v2+json';

export async function publishToMirror(config: DrydockConfig, tools: ImageTools, publications: Publication[], jobs: CheckQueue): Promise<void> {
  const registry = registryAddress(config);
  await Promise.all(publications.map((publication) => jobs.run(() => publish(tools, registry, publication))));
}

/** Pushes one image under each of its tags (after the first, a tag costs a manifest). */
async function publish(tools: ImageTools, registry: string, publication: Publication): Promise<void> {
  const repoDigests: string[] = (await tools.engine.getImage(publication.localTag).inspect()).RepoDigests ?? [];
  for (const tag of publication.tags) {
    const remote = `${registry}/library/${publication.name}`;
    const published = await mirrorDigest(registry, publication.name, tag);
    if (published && repoDigests.includes(`${remote}@${published}`)) continue;
    await tools.docker(['tag', publication.localTag, `${remote}:${tag}`]);
    await tools.docker(['push', `${remote}:${tag}`]);
  }
}

export async function mirrorDigest(registry: string, name: string, tag: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://${registry}/v2/library/${name}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { Accept: MANIFEST_TYPES },
      signal: AbortSignal.timeout(5000),
    });
    return response.ok ? response.headers.get('docker-content-digest') ?? undefined : undefined;
  } catch {
    return undefined;
  }
}
