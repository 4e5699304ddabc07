// What images Drydock builds and under which names. Each is tagged by a hash of its
// recipe (files + arguments + what it is built from), so an unchanged recipe is never rebuilt.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DebianSuite } from './rootfsImages.js';

export const IMAGES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../images');

export interface DockerfileRecipe {
  /** Official repository name learners type, e.g. "nginx". */
  name: string;
  /** Folder under images/ holding the Dockerfile and its files. */
  dir: string;
  /** The Debian release it is built from (its base image). */
  suite: DebianSuite;
  /** Built FROM the sandbox image instead of the bare Debian base. */
  fromSandbox?: boolean;
  /** Built FROM the busybox image instead of a Debian base. */
  fromBusybox?: boolean;
  /** Tags pushed to the mirror under library/<name>, all true to what the image is. */
  tags: string[];
  /** Tags of other variants this image stands in for (e.g. `-alpine`, where the role in
   * a `docker run` is the same but the real image differs); the README names them. */
  aliases?: string[];
  buildArgs?: Record<string, string>;
}

// The official full images (python:3.13, node:20) carry a compiler and git, as
// buildpack-deps does; that is what multi-stage lessons shed.
const BUILD_TOOLS = { EXTRA_PACKAGES: 'build-essential git curl' };

/** Stand-ins for official images, built FROM a local Debian base. Current tags come from
 * trixie; the tags pinned to older versions (python 3.11, postgres 15, redis 7) from bookworm. */
export const CATALOG: DockerfileRecipe[] = [
  { name: 'debian', dir: 'catalog/debian', suite: 'trixie', tags: ['trixie', '13', 'stable', 'latest'] },
  { name: 'debian', dir: 'catalog/debian', suite: 'bookworm', tags: ['bookworm', '12', 'oldstable'] },
  {
    name: 'nginx', dir: 'catalog/nginx', suite: 'trixie',
    tags: ['latest', '1', '1.26', 'stable', 'stable-trixie'],
    aliases: ['mainline', 'alpine', 'stable-alpine', 'mainline-alpine', '1-alpine', '1.26-alpine', 'alpine-slim'],
  },
  { name: 'httpd', dir: 'catalog/httpd', suite: 'trixie', tags: ['latest', '2', '2.4'], aliases: ['alpine', '2-alpine', '2.4-alpine'] },
  { name: 'python', dir: 'catalog/python', suite: 'trixie', tags: ['3.13', '3', 'latest', '3.13-trixie', 'trixie'], aliases: ['3.12'], buildArgs: BUILD_TOOLS },
  {
    name: 'python', dir: 'catalog/python', suite: 'trixie',
    tags: ['3.13-slim', '3-slim', 'slim', '3.13-slim-trixie', 'slim-trixie'],
    aliases: ['3.12-slim', '3.13-alpine', '3.12-alpine', '3-alpine', 'alpine'],
  },
  { name: 'python', dir: 'catalog/python', suite: 'bookworm', tags: ['3.11', '3.11-bookworm'], buildArgs: BUILD_TOOLS },
  { name: 'python', dir: 'catalog/python', suite: 'bookworm', tags: ['3.11-slim', '3.11-slim-bookworm'], aliases: ['3.11-alpine'] },
  { name: 'node', dir: 'catalog/node', suite: 'trixie', tags: ['20', 'lts', 'latest', '20-trixie', 'lts-trixie', 'iron'], buildArgs: BUILD_TOOLS },
  {
    name: 'node', dir: 'catalog/node', suite: 'trixie',
    tags: ['20-slim', 'lts-slim', 'slim', '20-trixie-slim', 'iron-slim'],
    aliases: ['20-alpine', 'lts-alpine', 'alpine', 'iron-alpine'],
  },
  { name: 'redis', dir: 'catalog/redis', suite: 'trixie', tags: ['8', '8.0', 'latest'], aliases: ['alpine', '8-alpine', '8.0-alpine'] },
  { name: 'redis', dir: 'catalog/redis', suite: 'bookworm', tags: ['7', '7.0', '7-bookworm'], aliases: ['7-alpine', '7.0-alpine'] },
  {
    name: 'postgres', dir: 'catalog/postgres', suite: 'trixie',
    tags: ['17', 'latest', '17-trixie'],
    aliases: ['16', '16-alpine', '17-alpine', 'alpine'],
    buildArgs: { PG_MAJOR: '17' },
  },
  { name: 'postgres', dir: 'catalog/postgres', suite: 'bookworm', tags: ['15', '15-bookworm'], aliases: ['15-alpine'], buildArgs: { PG_MAJOR: '15' } },
  { name: 'registry', dir: 'catalog/registry', suite: 'trixie', tags: ['2', '2.8', 'latest'] },
  { name: 'bash', dir: 'catalog/bash', suite: 'trixie', tags: ['latest', '5', '5.2'] },
  {
    name: 'docker', dir: 'catalog/docker', suite: 'trixie', fromSandbox: true,
    tags: ['dind', '26-dind', '26.1-dind', 'cli', '26-cli', '26.1-cli', 'latest', '26', '26.1'],
  },
  // Imported scenarios reach for alpine first; busybox is what most of them use of it.
  { name: 'alpine', dir: 'catalog/alpine', suite: 'trixie', fromBusybox: true, tags: [], aliases: ['latest', '3', '3.20', '3.21'] },
];

/** The slim base images double as debian:<suite>-slim. */
export const BASE_TAGS: Record<DebianSuite, string[]> = {
  trixie: ['trixie-slim', '13-slim', 'stable-slim'],
  bookworm: ['bookworm-slim', '12-slim', 'oldstable-slim'],
};
export const BUSYBOX_TAGS = ['latest', '1', '1.35'];

export const SANDBOX_RECIPE: DockerfileRecipe = { name: 'drydock-sandbox', dir: 'sandbox', suite: 'trixie', tags: [] };

/** Every tag a recipe publishes, its own and its aliases. */
export function publishedTags(recipe: Pick<DockerfileRecipe, 'tags' | 'aliases'>): string[] {
  return [...recipe.tags, ...(recipe.aliases ?? [])];
}

export function hashParts(parts: (string | Buffer)[]): string {
  const hash = crypto.createHash('sha256');
  for (const part of parts) {
    hash.update(String(part.length));
    hash.update(part);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Hash of every file in a recipe folder (names and contents), in a stable order. */
export function hashFolder(folder: string): string {
  const parts: (string | Buffer)[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        parts.push(path.relative(folder, full), fs.readFileSync(full));
        parts.push(String(fs.statSync(full).mode & 0o111));
      }
    }
  };
  walk(folder);
  return hashParts(parts);
}

export function recipeTag(recipe: DockerfileRecipe, baseTag: string): string {
  const args = JSON.stringify(recipe.buildArgs ?? {});
  const hash = hashParts([hashFolder(path.join(IMAGES_DIR, recipe.dir)), args, baseTag]);
  return `drydock/${recipe.name}:${hash}`;
}
