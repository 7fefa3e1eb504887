// Regenerates docs/web.png, docs/web.md's picture of the server app: the shipped model served on a free port, Debian's
// chromium (driven by playwright-core) picks a prompt and a seed and presses "Compare with / without P&P", and the
// page is captured once both jobs are done.
//   npm run -s build && node scripts/web-screenshot.mjs [SEED] [SCENARIO]      (defaults: 10, drop-bounce)
import { renameSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { loadCardModel, scenarioForPrompt } from '../dist/src/models/card-loader.js';
import { startWebApp } from '../dist/src/web/server.js';

const seed = process.argv[2] ?? '10';
const scenario = process.argv[3] ?? 'drop-bounce';
const out = new URL('../docs/web.png', import.meta.url).pathname;

const model = await loadCardModel();
try {
  const name = scenarioForPrompt(model.card, scenario);
  const prompt = model.card.scenarios.find((s) => s.name === name).prompt;
  const app = await startWebApp(model, { port: 0 });
  try {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.goto(app.url);
      await page.waitForFunction("document.querySelectorAll('#prompt option').length > 0");
      await page.selectOption('#prompt', prompt);
      await page.fill('input[name=seed]', seed);
      await page.click('#compare');
      await page.waitForFunction("document.querySelectorAll('.job').length === 2");
      for (const job of await page.locator('.job').all()) await job.locator('.progress').filter({ hasText: /^done$/ }).waitFor({ timeout: 120_000 });
      await page.waitForFunction("[...document.querySelectorAll('.job .video img')].every((img) => img.naturalWidth > 0)");
      const tmp = `${out}.tmp.png`;
      await page.screenshot({ path: tmp, fullPage: true });
      renameSync(tmp, out);
      console.log(`wrote ${out} (${name}, seed ${seed}, ${model.card.name})`);
    } finally {
      await browser.close();
    }
  } finally {
    await app.close();
  }
} finally {
  await model.dispose();
}
