// The README's table of images is what learners and teachers read to know which tags
// resolve offline: it must list every tag the mirror serves, aliases as aliases.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BASE_TAGS, BUSYBOX_TAGS, CATALOG } from '../../sandbox-server/src/images/imageRecipes.js';

function published(): string[] {
  return [
    ...BUSYBOX_TAGS.map((tag) => `busybox:${tag}`),
    ...Object.values(BASE_TAGS).flat().map((tag) => `debian:${tag}`),
    ...CATALOG.flatMap((recipe) => [...recipe.tags.map((tag) => `${recipe.name}:${tag}`), ...(recipe.aliases ?? []).map((tag) => `${recipe.name}:${tag} (alias)`)]),
  ].sort();
}

function listedInReadme(): string[] {
  const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Images inside a sandbox'));
  const entries: string[] = [];
  for (const row of section.matchAll(/^\| `([a-z]+)` \|([^|]*)\|([^|]*)\|/gm)) {
    const words = (cell: string) => cell.split(',').map((word) => word.trim()).filter(Boolean);
    entries.push(...words(row[2]).map((tag) => `${row[1]}:${tag}`), ...words(row[3]).map((tag) => `${row[1]}:${tag} (alias)`));
  }
  return entries.sort();
}

describe('the README', () => {
  it('lists every tag of the offline catalog, and which are aliases', () => {
    expect(listedInReadme()).toEqual(published());
  });
});
