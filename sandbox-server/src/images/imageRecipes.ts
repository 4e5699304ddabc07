// What images Drydock builds and under which names. Each is tagged by a hash of its
// recipe (files + arguments + what it is built from), so an unchanged recipe is never rebuilt.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const IMAGES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../images');

export interface DockerfileRecipe {
  /** Official repository name learners type, e.g. "nginx". */
  name: string;
  /** Folder under images/ holding the Dockerfile and its files. */
  dir: string;
  /** Tags pushed to the mirror under library/<name>. */
  tags: string[];
  buildArgs?: Record<string, string>;
}

/** Stand-ins for official images, built FROM the local Debian base. */
export const CATALOG: DockerfileRecipe[] = [
  { name: 'debian', dir: 'catalog/debian', tags: ['bookworm', '12', 'stable', 'latest'] },
  { name: 'nginx', dir: 'catalog/nginx', tags: ['latest', '1', '1.22', 'stable'] },
  { name: 'httpd', dir: 'catalog/httpd', tags: ['latest', '2', '2.4'] },
  {
    name: 'python',
    dir: 'catalog/python',
    tags: ['3.11', '3', 'latest', '3.11-bookworm'],
    // The full tag carries a compiler, as the official one does; that is what
    // multi-stage lessons shed.
    buildArgs: { EXTRA_PACKAGES: 'build-essential git curl' },
  },
  { name: 'python', dir: 'catalog/python', tags: ['3.11-slim', '3-slim', 'slim', '3.11-slim-bookworm'] },
  { name: 'redis', dir: 'catalog/redis', tags: ['latest', '7', '7.0'] },
  { name: 'postgres', dir: 'catalog/postgres', tags: ['15', 'latest', '15-bookworm'] },
  { name: 'registry', dir: 'catalog/registry', tags: ['2', 'latest'] },
];

/** The base image doubles as debian:bookworm-slim. */
export const BASE_TAGS = ['bookworm-slim', '12-slim', 'stable-slim'];
export const BUSYBOX_TAGS = ['latest', '1', '1.35'];

export const SANDBOX_RECIPE: DockerfileRecipe = { name: 'drydock-sandbox', dir: 'sandbox', tags: [] };

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
