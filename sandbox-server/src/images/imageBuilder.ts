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
import { CheckQueue } from '../checks/checkQueue.js';

/** Image builds and pushes run this many at a time. */
export const IMAGE_JOBS = 3;

/** The image a recipe is built FROM. */
function baseOf(recipe: DockerfileRecipe): string {
  if (recipe.fromBusybox) return busyboxImageTag();
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
  // Builds mostly wait on downloads and unpacking, so a few at a time finish sooner;
  // each stage needs the one before (bases, then the sandbox, then what builds on them).
  const jobs = new CheckQueue(IMAGE_JOBS);
  await Promise.all([
    ...DEBIAN_SUITES.map((suite) =>
      jobs.run(() => buildIfMissing(tools, baseImageTag(suite), `Debian ${suite} base image (debootstrap)`, () => buildBaseImage(tools, workDir, suite))),
    ),
    jobs.run(() => buildIfMissing(tools, busyboxImageTag(), 'busybox image', () => buildBusyboxImage(tools))),
  ]);
  await buildIfMissing(tools, sandboxImageTag(), 'sandbox image', () => buildRecipe(tools, SANDBOX_RECIPE, sandboxImageTag()));
  await Promise.all(
    CATALOG.map((recipe) => jobs.run(() => buildIfMissing(tools, localTag(recipe), `${recipe.name}:${publishedTags(recipe)[0]}`, () => buildRecipe(tools, recipe, localTag(recipe))))),
  );
  if (config.mirrorUpstream) {
    note(`the mirror proxies ${config.mirrorUpstream}; local stand-ins are not published`);
    return;
  }
  await step('publishing lesson images to the mirror', () => publishToMirror(config, tools, catalogPublications(), jobs));
}

async function buildIfMissing(tools: ImageTools, tag: string, title: string, build: () => Promise<void>): Promise<void> {
  if (await tools.exists(tag)) return;
  await step(`building ${title}`, build);
}

async function buildRecipe(tools: ImageTools, recipe: DockerfileRecipe, tag: string): Promise<void> {
  const buildArgs = Object.entries({ BASE: baseOf(recipe), ...recipe.buildArgs }).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
  await tools.docker(['build', '--force-rm', '-t', tag, ...buildArgs, path.join(IMAGES_DIR, recipe.dir)]);
}
