// The browser app (npm run build:web) in Debian's chromium, driven by playwright-core: served from web-dist/ by a
// plain static server on a loopback port, it samples with and without P&P through window.selfrefine.generate and
// matches `selfrefine generate` (same latent to 1e-2, same NFE), through its own page too, without asking any other
// host for anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { floatToUint8 } from '../../src/io/gif.js';
import { readNpyFloat32 } from '../../src/io/npy.js';
import { readPatchPcaVae } from '../../src/models/vae-file.js';
import { startStaticServer } from '../../src/web/static.js';
import { MODEL_DIR, runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROMPT = 'drop-bounce';
const SEED = 10;

interface NodeRun {
  readonly latent: Float32Array;
  readonly frames: Uint8Array;
  readonly nfe: number;
}

/** `selfrefine generate` as a user runs it: its printed NFE, its .latent.npy, and the frames that latent decodes to. */
function nodeRun(dir: string, refine: 'pnp' | 'none'): NodeRun {
  const out = join(dir, `${refine}.gif`);
  const r = runCli('generate', '--prompt', PROMPT, '--seed', String(SEED), '--refine', refine, '--out', out, '--no-mp4', '--scale', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  const { nfe } = JSON.parse(r.stdout) as { nfe: number };
  const { shape, data: latent } = readNpyFloat32(join(dir, `${refine}.latent.npy`));
  const [, F, h, w] = shape;
  const vae = readPatchPcaVae(join(MODEL_DIR, 'vae.json'));
  const pixels = vae.decode(latent, F, h, w);
  return { latent, frames: floatToUint8(pixels), nfe };
}

async function pageRun(page: Page, refine: 'pnp' | 'none'): Promise<NodeRun> {
  const r = await page.evaluate(
    async ({ prompt, seed, refine }) => {
      const out = await window.selfrefine.generate({ prompt, seed, refine });
      return { latent: Array.from(out.latent), frames: Array.from(out.frames), nfe: out.nfe };
    },
    { prompt: PROMPT, seed: SEED, refine },
  );
  return { latent: Float32Array.from(r.latent), frames: Uint8Array.from(r.frames), nfe: r.nfe };
}

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / b.length;
}

// The page's globals, as seen from the functions page.evaluate runs there (the tests compile without DOM types).
declare global {
  var window: { selfrefine: SelfRefineHook };
  interface SelfRefineHook {
    ready: Promise<void>;
    backend: string;
    generate(request: { prompt: string; seed?: number; refine?: 'pnp' | 'none' }): Promise<{ latent: Float32Array; frames: Uint8Array; nfe: number }>;
  }
}

test('browser app: the hook matches `selfrefine generate` with and without P&P; the page samples both side by side; nothing leaves the server', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (apt-get install chromium)`, timeout: 300_000 }, async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-web.mjs')], { stdio: 'pipe' });
  assert.ok(existsSync(join(ROOT, 'web-dist/index.html')), 'build:web wrote web-dist/index.html');
  const dir = scratchDir('web-app');
  const node = { none: nodeRun(dir, 'none'), pnp: nodeRun(dir, 'pnp') };

  // A plain static server (no COOP/COEP): the page is not cross-origin isolated, so WASM runs one thread per network,
  // which on two cores is also the faster setting.
  const server = await startStaticServer(join(ROOT, 'web-dist'), { isolate: false });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const pageErrors: string[] = [];
    const failed: string[] = [];
    const elsewhere: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('requestfailed', (req) => failed.push(`${req.url()}: ${req.failure()?.errorText ?? ''}`));
    page.on('request', (req) => {
      if (!req.url().startsWith(server.url) && !req.url().startsWith('data:') && !req.url().startsWith('blob:')) elsewhere.push(req.url());
    });
    page.on('response', (res) => {
      if (res.status() >= 400) failed.push(`${res.url()}: HTTP ${res.status()}`);
    });
    await page.goto(server.url);
    await page.evaluate(() => window.selfrefine.ready);
    assert.match(await page.evaluate(() => window.selfrefine.backend), /^WASM, 1 thread$/);

    for (const refine of ['none', 'pnp'] as const) {
      const web = await pageRun(page, refine);
      assert.equal(web.nfe, node[refine].nfe, `${refine}: NFE`);
      assert.equal(web.latent.length, node[refine].latent.length);
      const rel = maxRelativeError(web.latent, node[refine].latent);
      assert.ok(rel < 1e-2, `${refine}: max relative error ${rel}`);
      assert.equal(web.frames.length, node[refine].frames.length, `${refine}: frames are [3, F, H, W] bytes`);
      const mad = meanAbsDiff(web.frames, node[refine].frames);
      assert.ok(mad < 1, `${refine}: mean absolute difference of the frames ${mad}`);
    }
    assert.equal(node.pnp.nfe > node.none.nfe, true, 'P&P spends extra evaluations');
    await assert.rejects(
      page.evaluate(() => window.selfrefine.generate({ prompt: 'moon landing', seed: 1 })),
      /the prompt 'moon landing' is not in the model's vocabulary/,
    );

    // The page itself: both runs side by side, then the mask scrubber over P&P's refined steps.
    await page.selectOption('#prompt', PROMPT);
    await page.fill('#seed', String(SEED));
    await page.click('#generate');
    for (const id of ['#run-none', '#run-pnp']) await page.locator(`${id} a.gif`).waitFor({ state: 'visible', timeout: 120_000 });
    assert.match((await page.locator('#run-none .stats').textContent()) ?? '', new RegExp(`^${node.none.nfe} NFE · \\d+\\.\\d\\d s$`));
    assert.match((await page.locator('#run-pnp .stats').textContent()) ?? '', new RegExp(`^${node.pnp.nfe} NFE · \\d+\\.\\d\\d s$`));
    assert.equal(Number(await page.locator('#scrub').getAttribute('max')) >= 1, true, 'several refined steps to scrub');
    await page.locator('#scrub').fill('1');
    assert.match((await page.locator('#mask-label').textContent()) ?? '', /^refined step \d+ \(P&P plan [\d:,-]+\) · σ 0\.\d+ · \d+\.\d % still uncertain$/);
    const shot = join(dir, 'app.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
    assert.ok(png.length > 20_000, `screenshot of ${png.length} bytes`);

    assert.deepEqual(pageErrors, []);
    assert.deepEqual(failed, []);
    assert.deepEqual(elsewhere, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
