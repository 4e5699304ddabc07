// Builds every image Drydock needs, skipping those whose recipe hash is already built,
// and publishes the lesson catalog to the registry mirror under the official names.
import fs from 'node:fs';
import path from 'node:path';
import type { DrydockConfig } from '../config.js';
import { step, note } from '../setup/progress.js';
import { CATALOG, BASE_TAGS, BUSYBOX_TAGS, IMAGES_DIR, SANDBOX_RECIPE, publishedTags, recipeTag, type DockerfileRecipe } from './imageRecipes.js';
import { DEBIAN_SUITES, baseImageTag, buildBaseImage, busyboxImageTag, buildBusyboxImage } from './rootfsImages.js';
import { publishToMirror, type Publication } from './mirrorPublisher.js';
import type { ImageTools } from './imageTools.js';

/** The image a recipe is built FROM. */
function baseOf(recipe: DockerfileRecipe): string {
  return recipe.fromSandbox ? sandboxImageTag() : baseImageTag(recipe.suite);
}

/** The local tag of a recipe's image: a hash of its recipe and of its base. */
function localTag(recipe: DockerfileRecipe): string {
  return recipeTag(recipe, baseOf(recipe));
}

export function sandboxImageTag(): string {
  return recipeTag(SANDBOX_RECIPE, baseImageTag(SANDBOX_RECIPE.suite));
}

/** Every image the mirror should serve: local tag -> official name and tags. */
export function catalogPublications(): Publication[] {
  return [
    { localTag: busyboxImageTag(), name: 'busybox', tags: BUSYBOX_TAGS },
    ...DEBIAN_SUITES.map((suite) => ({ localTag: baseImageTag(suite), name: 'debian', tags: BASE_TAGS[suite] })),
    ...CATALOG.map((recipe) => ({ localTag: localTag(recipe), name: recipe.name, tags: publishedTags(recipe) })),
  ];
}

export async function ensureImages(config: DrydockConfig, tools: ImageTools): Promise<void> {
  const workDir = path.join(config.dataDir, 'build');
  fs.mkdirSync(workDir, { recursive: true });
  for (const suite of DEBIAN_SUITES) {
    await buildIfMissing(tools, baseImageTag(suite), `Debian ${suite} base image (debootstrap)`, () => buildBaseImage(tools, workDir, suite));
  }
  await buildIfMissing(tools, busyboxImageTag(), 'busybox image', () => buildBusyboxImage(tools));
  for (const recipe of [SANDBOX_RECIPE, ...CATALOG]) {
    const title = recipe === SANDBOX_RECIPE ? 'sandbox image' : `${recipe.name}:${recipe.tags[0]}`;
    await buildIfMissing(tools, localTag(recipe), title, () => buildRecipe(tools, recipe, localTag(recipe)));
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

async function buildRecipe(tools: ImageTools, recipe: DockerfileRecipe, tag: string): Promise<void> {
  const buildArgs = Object.entries({ BASE: baseOf(recipe), ...recipe.buildArgs }).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
  await tools.docker(['build', '--force-rm', '-t', tag, ...buildArgs, path.join(IMAGES_DIR, recipe.dir)]);
}
