// The check-kind reference in lessons/README.md is the schema the loader checks lessons
// against, written out: adding a kind or a setting shows up there, or this fails.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, withReference } from '../../scripts/writeLessonReference.js';
import { CHECK_KINDS } from '../../sandbox-server/src/lessons/checkSchema.js';

describe('lessons/README.md', () => {
  it('lists every check kind and setting as the schema defines them (npm run docs:lessons writes it)', () => {
    const readme = fs.readFileSync(README, 'utf8');
    expect(readme).toBe(withReference(readme));
    for (const kind of Object.keys(CHECK_KINDS)) expect(readme).toContain(`| \`${kind}\` |`);
  });
});
