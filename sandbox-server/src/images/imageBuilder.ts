// Builds every image Drydock needs, skipping those whose recipe hash is already built,
// and publishes the lesson catalog to the registry mirror under the official names.
import fs from 'node:fs';
import path from 'node:path';
import type { DrydockConfig } from '../config.js';
import { step, note } from '../setup/progress.js';
import { CATALOG, BASE_TAGS, BUSYBOX_TAGS, IMAGES_DIR, SANDBOX_RECIPE, recipeTag, type DockerfileRecipe } from './imageRecipes.js';
import { baseImageTag, buildBaseImage, busyboxImageTag, buildBusyboxImage } from './rootfsImages.js';
import { publishToMirror, type Publication } from './mirrorPublisher.js';
import type { ImageTools } from './imageTools.js';

export function sandboxImageTag(): string {
  return recipeTag(SANDBOX_RECIPE, baseImageTag());
}

/** Every image the mirror should serve: local tag -> official name and tags. */
export function catalogPublications(): Publication[] {
  const baseTag = baseImageTag();
  return [
    { localTag: busyboxImageTag(), name: 'busybox', tags: BUSYBOX_TAGS },
    { localTag: baseTag, name: 'debian', tags: BASE_TAGS },
    ...CATALOG.map((recipe) => ({ localTag: recipeTag(recipe, baseTag), name: recipe.name, tags: recipe.tags })),
  ];
}

export async function ensureImages(config: DrydockConfig, tools: ImageTools): Promise<void> {
  const workDir = path.join(config.dataDir, 'build');
  fs.mkdirSync(workDir, { recursive: true });
  const baseTag = baseImageTag();
  await buildIfMissing(tools, baseTag, 'Debian base image (debootstrap)', () => buildBaseImage(tools, workDir));
  await buildIfMissing(tools, busyboxImageTag(), 'busybox image', () => buildBusyboxImage(tools));
  await buildIfMissing(tools, sandboxImageTag(), 'sandbox image', () => buildRecipe(tools, SANDBOX_RECIPE, sandboxImageTag(), baseTag));
  for (const recipe of CATALOG) {
    const tag = recipeTag(recipe, baseTag);
    await buildIfMissing(tools, tag, `${recipe.name}:${recipe.tags[0]}`, () => buildRecipe(tools, recipe, tag, baseTag));
  }
  if (config.mirrorUpstream) {
    note(`the mirror proxies ${config.mirrorUpstream}; local stand-ins are not published`);
    return;
  }
  await step('publishing lesson images to the mirror', () => publishToMirror(config, tools, catalogPublications()));
}

async function buildIfMissing(tools: ImageTools, tag: string, title: string, build: () => Promise<void>): Promise<void> {
  if (await tools.exists(tag)) return;
  await step(`building ${title}`, build);
}

async function buildRecipe(tools: ImageTools, recipe: DockerfileRecipe, tag: string, baseTag: string): Promise<void> {
  const buildArgs = Object.entries({ BASE: baseTag, ...recipe.buildArgs }).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
  await tools.docker(['build', '--force-rm', '-t', tag, ...buildArgs, path.join(IMAGES_DIR, recipe.dir)]);
}
