// The page in a real browser: Debian's chromium (installed by .ci/run) driven by playwright-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NEEDS_CHROMIUM, withApp, withPage } from './helpers.js';

test('web page: pick a prompt, generate, watch it finish with its video and mask; a bad plan shows the server error', NEEDS_CHROMIUM, async () => {
  await withApp({}, async (app, model) => {
    await withPage(app.url, async (page) => {
      await page.waitForFunction("document.querySelectorAll('#prompt option').length > 0");
      assert.deepEqual(await page.locator('#prompt option').allTextContents(), model.card.scenarios.map((s) => s.prompt));
      assert.match((await page.locator('#model').textContent()) ?? '', new RegExp(model.card.name));

      await page.selectOption('#prompt', model.card.scenarios[5].prompt);
      await page.fill('input[name=seed]', '4');
      await page.fill('input[name=steps]', '6');
      await page.fill('input[name=plan]', '1-2:1');
      await page.click('#generate');
      const job = page.locator('.job').first();
      await job.locator('.progress').filter({ hasText: /^done$/ }).waitFor({ timeout: 60_000 });
      assert.match((await job.locator('.result').textContent()) ?? '', /\d+ NFE/);
      assert.equal(await job.locator('h2').textContent(), model.card.scenarios[5].prompt);
      const video = job.locator('.video img');
      assert.match((await video.getAttribute('src')) ?? '', /\/video\.gif$/);
      await page.waitForFunction("document.querySelector('.job .video img')?.naturalWidth === 256");
      await page.waitForFunction("(document.querySelector('.job .mask img')?.naturalWidth ?? 0) > 0");
      assert.equal(await job.locator('.cancel').isHidden(), true);

      await page.fill('input[name=plan]', 'not a plan');
      await page.click('#generate');
      await page.locator('#error').filter({ hasText: /plan/i }).waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('.job').count(), 1, 'a refused request adds no job');
    });
  });
});
