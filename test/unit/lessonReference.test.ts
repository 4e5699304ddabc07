// The check-kind reference in lessons/README.md is the schema the loader checks lessons
// against, written out: adding a kind or a setting shows up there, or this fails.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, withReference } from '../../scripts/writeLessonReference.js';
import { CHECK_KINDS } from '../../sandbox-server/src/lessons/checkSchema.js';
import { FRONT_MATTER } from '../../sandbox-server/src/lessons/frontMatterSchema.js';

describe('lessons/README.md', () => {
  it('shows every front matter key, check kind and setting as the schemas define them (npm run docs:lessons writes them)', () => {
    const readme = fs.readFileSync(README, 'utf8');
    expect(readme).toBe(withReference(readme));
    for (const kind of Object.keys(CHECK_KINDS)) expect(readme).toContain(`| \`${kind}\` |`);
    for (const key of Object.keys(FRONT_MATTER)) expect(readme).toMatch(new RegExp(`\\| \`${key}\`\\*? \\|`));
  });
});
