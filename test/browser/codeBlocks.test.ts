// Code blocks as a learner reads them in real Chromium at normal zoom: every character
// they would type is drawn (an underscore clipped by the next line's background once
// turned REDIS_HOST into "REDIS HOST").
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/testServer.js';
import { ARTIFACTS, launchBrowser } from '../support/browser.js';

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** How many pixels of the character at `index` in `word` differ clearly from the block's background. */
async function inkOf(word: string, index: number): Promise<number> {
  const code = page.locator('pre.shiki', { hasText: word }).first();
  await code.scrollIntoViewIfNeeded();
  const box = await code.evaluate(
    (pre, [wanted, offset]) => {
      const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.textContent!.indexOf(wanted as string);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at + (offset as number));
        range.setEnd(node, at + (offset as number) + 1);
        const rect = range.getBoundingClientRect();
        // The underscore sits on the bottom edge of the character's box, or just under it.
        return { x: rect.x, y: rect.y, width: rect.width, height: rect.height + 3 };
      }
      throw new Error(`${wanted} is not in one text node`);
    },
    [word, index] as const,
  );
  const png = await page.screenshot({ clip: box });
  return page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const background = [pixels[0], pixels[1], pixels[2]];
    let ink = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (Math.abs(pixels[i] - background[0]) + Math.abs(pixels[i + 1] - background[1]) + Math.abs(pixels[i + 2] - background[2]) > 90) ink += 1;
    }
    return ink;
  }, png.toString('base64'));
}

describe('code blocks at normal zoom', () => {
  it('draw the underscores of REDIS_HOST and depends_on, in light and dark themes', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await page.goto(`${server.url}/#/lesson/sample`);
      await page.locator('pre.shiki', { hasText: 'REDIS_HOST' }).first().waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, `code-block-${theme}.png`) });
      expect(await inkOf('REDIS_HOST', 5), `${theme}: the _ of REDIS_HOST`).toBeGreaterThan(2);
      expect(await inkOf('depends_on', 7), `${theme}: the _ of depends_on`).toBeGreaterThan(2);
      // Beside them, a letter: the measure sees what an eye sees (an underscore drawn
      // over by the next line measured 0 here).
      expect(await inkOf('REDIS_HOST', 0), `${theme}: the R of REDIS_HOST`).toBeGreaterThan(10);
    }
  });
});
