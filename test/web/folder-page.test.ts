// The page of `serve --model DIR` in a real browser (Debian's chromium, driven by playwright-core): a free prompt,
// frames and size; the default sampler and P&P side by side, each with its clip and NFE, P&P with its mask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWebApp } from '../../src/web/server.js';
import { folderWebModel } from '../../src/web/folder.js';
import { scratchDir } from '../helpers/scratch.js';
import { NEEDS_CHROMIUM, withPage } from './helpers.js';

const FULL = fileURLToPath(new URL('../../../test/fixtures/wan-tiny/full/', import.meta.url));

test('folder page: type a prompt, pick frames and size, compare with and without P&P', NEEDS_CHROMIUM, async () => {
  const app = await startWebApp(folderWebModel(FULL, { cacheDir: join(scratchDir('web-folder-page'), 'cache') }), { port: 0, fps: 16 });
  try {
    await withPage(app.url, async (page) => {
      await page.locator('#model').filter({ hasText: /preset wan2\.1-t2v-1\.3b/ }).waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('input#prompt').count(), 1, 'a free-text prompt, not the physics vocabulary');
      assert.equal(await page.locator('input[name=frames]').isVisible(), true);

      await page.fill('#prompt', 'a red ball rolls over the table');
      await page.fill('input[name=frames]', '9');
      await page.fill('input[name=width]', '64');
      await page.fill('input[name=height]', '48');
      await page.fill('input[name=steps]', '4');
      await page.fill('input[name=plan]', '1-2:1');
      await page.click('#compare');
      const jobs = page.locator('.job');
      await jobs.nth(1).waitFor({ timeout: 10_000 });
      for (const i of [0, 1]) await jobs.nth(i).locator('.progress').filter({ hasText: /^done$/ }).waitFor({ timeout: 60_000 });
      const results = await page.locator('.job .result').allTextContents();
      assert.deepEqual(results.map((t) => /· (\d+) NFE/.exec(t)?.[1]).sort(), ['4', '6'], `default 4 NFE, P&P 4 + 2: ${results.join(' | ')}`);
      await page.waitForFunction("[...document.querySelectorAll('.job .video img')].every((img) => img.naturalWidth === 64 && img.naturalHeight === 48)");
      await page.waitForFunction("document.querySelectorAll('.job .mask img').length === 1 && document.querySelector('.job .mask img').naturalWidth > 0");
    });
  } finally {
    await app.close();
  }
});
