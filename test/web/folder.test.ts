// `serve --model DIR` on the tiny Wan folder with text encoder, tokenizer and VAE decoder: real HTTP requests on a
// loopback port, the clip, mask and latent of each job, the same latent as `generate --model DIR --prompt`, and the
// refusals (bad clip sizes, over the limits, folders that cannot serve prompts, --redis with a folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNpy, readNpyFloat32 } from '../../src/io/npy.js';
import { startWebApp, type WebApp } from '../../src/web/server.js';
import { folderWebModel } from '../../src/web/folder.js';
import { DEFAULT_WORK_LIMITS } from '../../src/web/limits.js';
import { CLI, runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';
import { followEvents, postJob } from './helpers.js';

const WAN = fileURLToPath(new URL('../../../test/fixtures/wan-tiny/', import.meta.url));
const FULL = join(WAN, 'full');
const PROMPT = 'a red ball rolls over the table';
const CLIP = { prompt: PROMPT, frames: 17, width: 64, height: 48, steps: 6, seed: 3 };

async function withFolderApp<T>(body: (app: WebApp, cacheDir: string) => Promise<T>): Promise<T> {
  const cacheDir = join(scratchDir('web-folder'), 'cache');
  const limits = { ...DEFAULT_WORK_LIMITS, maxVideoPixels: 17 * 64 * 64 };
  const app = await startWebApp(folderWebModel(FULL, { cacheDir, limits }), { port: 0, limits, fps: 16 });
  try {
    return await body(app, cacheDir);
  } finally {
    await app.close();
  }
}

async function bytes(app: WebApp, path: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(`${app.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

/** Submit, follow to the end, and fetch the job's GIF and latent. */
async function run(app: WebApp, request: Record<string, unknown>): Promise<{ id: string; nfe: number; nfeSaved: number; gif: Buffer; latent: Buffer; hasMask: boolean }> {
  const { status, json } = await postJob(app, request);
  assert.equal(status, 202, JSON.stringify(json));
  const events = await followEvents(app, json.id);
  const end = events[events.length - 1].status;
  assert.equal(end.state, 'done', end.error ?? '');
  assert.ok(events.some((e) => e.type === 'progress'), 'progress events while it samples');
  const gif = await bytes(app, `/api/jobs/${json.id}/video.gif`);
  const latent = await bytes(app, `/api/jobs/${json.id}/latent.npy`);
  assert.equal(gif.status, 200);
  assert.equal(latent.status, 200);
  const r = end.result as NonNullable<typeof end.result>;
  return { id: json.id, nfe: r.nfe, nfeSaved: r.nfeSaved, gif: gif.body, latent: latent.body, hasMask: r.hasMask };
}

test('serve --model DIR: prompts become clips; P&P differs from the default sampler, repeats bit-identically and matches generate', async () => {
  await withFolderApp(async (app, cacheDir) => {
    const summary = (await (await fetch(`${app.url}/api/model`)).json()) as { kind: string; name: string; preset: string; clip: { frameStep: number; sizeMultiple: number } };
    assert.deepEqual([summary.kind, summary.name, summary.preset, summary.clip.frameStep, summary.clip.sizeMultiple], ['folder', 'full', 'wan2.1-t2v-1.3b', 4, 16]);

    const plain = await run(app, { ...CLIP, refine: 'none' });
    const pnp = await run(app, { ...CLIP, refine: 'pnp', plan: '1-3:2' });
    const again = await run(app, { ...CLIP, refine: 'pnp', plan: '1-3:2' });
    assert.equal(plain.nfe, 6, 'six steps, one CFG pair each');
    assert.equal(pnp.nfe + pnp.nfeSaved, 6 + 3 * 2, 'three refined steps of K = 2');
    assert.equal(plain.hasMask, false);
    assert.equal(pnp.hasMask, true);

    assert.equal(plain.gif.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.deepEqual([plain.gif.readUInt16LE(6), plain.gif.readUInt16LE(8)], [64, 48], 'the clip at its pixel size');
    const latent = parseNpy(pnp.latent);
    assert.deepEqual(latent.shape, [16, 5, 6, 8]);
    assert.notDeepEqual(pnp.latent, plain.latent, "P&P's latent differs from the default sampler's");
    assert.deepEqual(again.latent, pnp.latent, 'the same seed and settings repeat bit-identically');
    assert.deepEqual(again.gif, pnp.gif);

    const mask = await bytes(app, `/api/jobs/${pnp.id}/mask.png`);
    assert.equal(mask.type, 'image/png');
    assert.deepEqual([...mask.body.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.equal((await bytes(app, `/api/jobs/${plain.id}/mask.png`)).status, 404, 'no refined step, no mask');
    const preview = await bytes(app, `/api/jobs/${pnp.id}/preview.gif`);
    assert.deepEqual(preview.body, pnp.gif, 'a finished job previews its clip');

    // The web runs the pipeline of `generate --model DIR --prompt`: the same latent, bit for bit.
    const out = join(cacheDir, '..', 'cli.npy');
    const cli = runCli('generate', '--model', FULL, '--prompt', PROMPT, '--frames', '17', '--size', '64x48', '--steps', '6', '--plan', '1-3:2', '--seed', '3', '--out', out, '--cache-dir', cacheDir);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /promptsCached 2/, 'the CLI reads the prompts the server encoded');
    assert.deepEqual(readNpyFloat32(out).data, latent.data instanceof Float32Array ? latent.data : Float32Array.from(latent.data));
  });
});

test('serve --model DIR: clip sizes the VAE cannot take, clips over the limits and bad fields are refused with 400 and the reason', async () => {
  await withFolderApp(async (app) => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...CLIP, frames: 18 }, /4k\+1 frames .* nearest valid count is 17/],
      [{ ...CLIP, width: 70 }, /multiples of 16; the nearest valid size is 64x48/],
      [{ ...CLIP, width: 128, height: 128 }, /278528 pixels; this server allows at most 69632/],
      [{ ...CLIP, frames: 85 }, /frames 85 is over this server's limit of 81/],
      [{ ...CLIP, steps: 150, plan: '0-99:3' }, /model evaluations .* at most 400/],
      [{ ...CLIP, prompt: '' }, /prompt/],
      [{ ...CLIP, scenario: 'drift' }, /scenario/],
      [{ ...CLIP, refine: 'none', plan: '1-3:2', tau: 0.1, cfg: 50 }, /cfg/],
    ];
    for (const [body, message] of cases) {
      const r = await postJob(app, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.error ?? '', message);
    }
    assert.deepEqual(await (await fetch(`${app.url}/api/jobs`)).json(), [], 'refused requests queue nothing');
  });
});

test('serve --model DIR refuses, in one line with exit code 2, a folder without text encoder or decoder and --redis', () => {
  const t2v = join(WAN, 't2v');
  const bare = runCli('serve', '--port', '0', '--model', t2v);
  assert.equal(bare.code, 2);
  assert.equal(bare.stderr.trim().split('\n').length, 1, bare.stderr);
  assert.match(bare.stderr, /has no text_encoder\/model\.onnx and tokenizer\/ and vae_decoder\/model\.onnx: serve needs a text encoder/);
  const redis = runCli('serve', '--port', '0', '--model', FULL, '--redis', 'redis://127.0.0.1:1');
  assert.equal(redis.code, 2);
  assert.match(redis.stderr, /a model folder's jobs run in the server: drop --redis/);
  const preset = runCli('serve', '--port', '0', '--preset', 'wan2.1-t2v-14b');
  assert.equal(preset.code, 2);
  assert.match(preset.stderr, /--preset is for a model folder/);
});

test('selfrefine serve --model DIR: prints its address, runs a job from the page\'s API, and stops cleanly on SIGTERM', async () => {
  const cacheDir = join(scratchDir('serve-folder'), 'cache');
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--model', FULL, '--cache-dir', cacheDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /on (http:\/\/\S+) \(model folder /.exec(out);
        if (m !== null) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    assert.equal(((await (await fetch(`${url}/api/model`)).json()) as { kind: string }).kind, 'folder');
    const submitted = await fetch(`${url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...CLIP, frames: 5, steps: 3, refine: 'none' }) });
    assert.equal(submitted.status, 202);
    const { id } = (await submitted.json()) as { id: string };
    const events = await (await fetch(`${url}/api/jobs/${id}/events`)).text();
    assert.match(events, /"state":"done".*"nfe":3/s);
    const gif = Buffer.from(await (await fetch(`${url}/api/jobs/${id}/video.gif`)).arrayBuffer());
    assert.deepEqual([gif.readUInt16LE(6), gif.readUInt16LE(8)], [64, 48]);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});
