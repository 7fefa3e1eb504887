// `npm run bench:web`: figures of the browser app on this machine, printed as a table.
//   - the download size of web-dist/ (what a visitor fetches: the page, one ORT runtime, the networks, the VAE);
//   - time to first video in headless chromium (page load + the model's three sessions + one generate), and each
//     generate's sampling time once loaded, with and without P&P, WASM with 1 thread (a plain static server) and with
//     the page's default and 2 threads when cross-origin isolated (as `selfrefine serve` sends it);
//   - `selfrefine generate`'s own sampling time (its printed seconds) on the same prompt and seed;
//   - whether the headless browser offers WebGPU (--enable-unsafe-webgpu), and if so its time and agreement.
// Needs `npm run build` and `npm run build:web` first (bench:web runs both).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { floatToUint8 } from '../dist/src/io/gif.js';
import { readNpyFloat32 } from '../dist/src/io/npy.js';
import { readPatchPcaVae } from '../dist/src/models/vae-file.js';
import { startStaticServer } from '../dist/src/web/static.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'web-dist');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const PROMPT = process.env.PROMPT ?? 'drop-bounce';
const SEED = Number(process.env.SEED ?? 10);
const REPEATS = Number(process.env.REPEATS ?? 2);
const ARGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function sizeOf(path) {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((a, n) => a + sizeOf(join(path, n)), 0) : s.size;
}
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function maxRelativeError(a, b) {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

const vae = readPatchPcaVae(join(ROOT, 'models/physics/vae.json'));
/** The frames `selfrefine generate` writes for a latent [C, F, h, w]: decoded, clamped, as bytes. */
const framesOf = ({ shape, data }) => floatToUint8(vae.decode(data, shape[1], shape[2], shape[3]));

function meanAbsDiff(a, b) {
  let sum = 0;
  for (let i = 0; i < b.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / b.length;
}

const tmp = mkdtempSync(join(tmpdir(), 'sr-bench-web-'));
const node = {};
try {
  for (const refine of ['none', 'pnp']) {
    const seconds = [];
    for (let k = 0; k < REPEATS; k++) {
      const out = join(tmp, `${refine}.gif`);
      const r = spawnSync(process.execPath, [CLI, 'generate', '--prompt', PROMPT, '--seed', String(SEED), '--refine', refine, '--out', out, '--no-mp4', '--json'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      const summary = JSON.parse(r.stdout);
      seconds.push(summary.seconds);
      const npy = readNpyFloat32(join(tmp, `${refine}.latent.npy`));
      node[refine] = { nfe: summary.nfe, seconds, latent: npy.data, frames: framesOf(npy) };
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

/**
 * Load the app in a fresh browser and time it; `{ failed }` when the browser or the backend cannot run it, or when it
 * takes longer than `limitMs` in all (the browser is then closed, which ends the pending calls).
 */
async function measure(label, { isolate, query = '', extraArgs = [], limitMs = 600_000 }) {
  const server = await startStaticServer(DIST, { isolate });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...ARGS, ...extraArgs] });
  const timer = setTimeout(() => void browser.close().catch(() => undefined), limitMs);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const t0 = performance.now();
    await page.goto(`${server.url}${query}`);
    await page.evaluate(() => window.selfrefine.ready);
    const loadMs = performance.now() - t0;
    const backend = await page.evaluate(() => window.selfrefine.backend);
    const runs = {};
    let firstVideoMs = null;
    for (let k = 0; k < REPEATS; k++) {
      for (const refine of ['none', 'pnp']) {
        const t = performance.now();
        const r = await page.evaluate(
          async ({ prompt, seed, refine }) => {
            const out = await window.selfrefine.generate({ prompt, seed, refine });
            return { nfe: out.nfe, latent: Array.from(out.latent), frames: Array.from(out.frames) };
          },
          { prompt: PROMPT, seed: SEED, refine },
        );
        const ms = performance.now() - t;
        firstVideoMs ??= performance.now() - t0;
        runs[refine] ??= { ms: [], nfe: r.nfe, rel: maxRelativeError(Float32Array.from(r.latent), node[refine].latent), mad: meanAbsDiff(Uint8Array.from(r.frames), node[refine].frames) };
        runs[refine].ms.push(ms);
      }
    }
    return { label, backend, loadMs, firstVideoMs, runs, errors };
  } catch (err) {
    return { label, failed: err.message.split('\n')[0] };
  } finally {
    clearTimeout(timer);
    await browser.close().catch(() => undefined);
    await server.close();
  }
}

async function webgpuOffered(flags = ['--enable-unsafe-webgpu']) {
  // navigator.gpu exists only in secure contexts: a page from the loopback server is one, about:blank is not.
  const server = await startStaticServer(DIST);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...ARGS, ...flags] });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}style.css`);
    return await page.evaluate(async () => {
      if (!('gpu' in navigator)) return 'no navigator.gpu';
      const adapter = await navigator.gpu.requestAdapter();
      if (adapter === null) return 'navigator.gpu, but no adapter';
      const info = adapter.info ?? {};
      return `adapter ${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || '(no info)'}${info.isFallbackAdapter ? ' (fallback, software)' : ''}`;
    });
  } finally {
    await browser.close();
    await server.close();
  }
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const wasmOnly = sizeOf(DIST) - sizeOf(join(DIST, 'ort/ort-wasm-simd-threaded.asyncify.wasm')) - sizeOf(join(DIST, 'ort/ort-wasm-simd-threaded.asyncify.mjs')) - sizeOf(join(DIST, 'onnx-worker-webgpu.js'));
console.log(`web-dist/: ${mb(sizeOf(DIST))} on disk; a WASM visitor downloads ${mb(wasmOnly)} (networks ${mb(sizeOf(join(DIST, 'models')))}, ORT wasm ${mb(sizeOf(join(DIST, 'ort/ort-wasm-simd-threaded.wasm')))}, app.js ${mb(sizeOf(join(DIST, 'app.js')))})`);
console.log(`prompt ${PROMPT}, seed ${SEED}, ${REPEATS} repeats; ${spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
console.log(`node (selfrefine generate, onnxruntime-node): none ${node.none.nfe} NFE in ${node.none.seconds.join(' / ')} s; pnp ${node.pnp.nfe} NFE in ${node.pnp.seconds.join(' / ')} s`);

function report(r) {
  if (r.failed !== undefined) {
    console.log(`${r.label}: failed (${r.failed})`);
    return;
  }
  const line = (refine) => `${refine} ${r.runs[refine].nfe} NFE in ${r.runs[refine].ms.map(s).join(' / ')} (vs node: latent max rel. err. ${r.runs[refine].rel.toExponential(2)}, frames mean abs. diff. ${r.runs[refine].mad.toFixed(4)})`;
  console.log(`${r.label} [${r.backend}]: load ${s(r.loadMs)}, first video ${s(r.firstVideoMs)}; ${line('none')}; ${line('pnp')}${r.errors.length > 0 ? `; page errors: ${r.errors.join(' | ')}` : ''}`);
}

report(await measure('WASM, plain static server', { isolate: false, query: '?backend=wasm', extraArgs: ['--disable-gpu'] }));
report(await measure('WASM, cross-origin isolated', { isolate: true, query: '?backend=wasm', extraArgs: ['--disable-gpu'] }));
report(await measure('WASM, cross-origin isolated, ?threads=2', { isolate: true, query: '?backend=wasm&threads=2', extraArgs: ['--disable-gpu'] }));
const gpu = await webgpuOffered();
console.log(`WebGPU in headless chromium: by default ${await webgpuOffered([])}; with --enable-unsafe-webgpu ${gpu}`);
if (gpu.startsWith('adapter')) report(await measure('WebGPU (--enable-unsafe-webgpu)', { isolate: true, query: '?backend=webgpu', extraArgs: ['--enable-unsafe-webgpu'], limitMs: 300_000 }));
