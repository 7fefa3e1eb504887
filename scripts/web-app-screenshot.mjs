// Regenerates docs/web-app.png, docs/web.md's picture of the in-browser app: web-dist/ served on a free loopback port,
// Debian's chromium (driven by playwright-core) picks a prompt and a seed, presses "Generate both", moves the mask
// scrubber to the second refined step and captures the page. With --phone it captures a 390×844 viewport instead, to
// a temporary file (to check the phone layout).
//   npm run -s build && npm run -s build:web && node scripts/web-app-screenshot.mjs [--phone] [SEED] [SCENARIO]
import { mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startStaticServer } from '../dist/src/web/static.js';

const phone = process.argv.includes('--phone');
const [seed = '10', scenario = 'drop-bounce'] = process.argv.slice(2).filter((a) => a !== '--phone');
const out = phone ? join(mkdtempSync(join(tmpdir(), 'sr-web-app-')), 'phone.png') : new URL('../docs/web-app.png', import.meta.url).pathname;

const server = await startStaticServer(new URL('../web-dist', import.meta.url).pathname, { isolate: false });
try {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage(phone ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true } : { viewport: { width: 900, height: 900 } });
    await page.goto(server.url);
    await page.evaluate(() => window.selfrefine.ready);
    await page.selectOption('#prompt', scenario);
    await page.fill('#seed', seed);
    await page.click('#generate');
    for (const id of ['#run-none', '#run-pnp']) await page.locator(`${id} a.gif`).waitFor({ state: 'visible', timeout: 180_000 });
    await page.locator('#scrub').fill('1');
    const tmp = `${out}.tmp.png`;
    await page.screenshot({ path: tmp, fullPage: !phone });
    renameSync(tmp, out);
    console.log(`wrote ${out} (${scenario}, seed ${seed})`);
  } finally {
    await browser.close();
  }
} finally {
  await server.close();
}
