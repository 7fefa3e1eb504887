// The shipped model end to end through the CLI (needs models/physics, committed with the repo).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { readNpyFloat32 } from '../../src/io/npy.js';
import { ffmpegAvailable } from '../../src/io/video.js';
import { MODEL_DIR, runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const dir = scratchDir('gen');

const run = runCli;

const card = JSON.parse(readFileSync(join(MODEL_DIR, 'card.json'), 'utf8')) as { scenarios: { name: string; prompt: string }[] };
const prompt = card.scenarios[0].prompt;
const fast = ['--steps', '6', '--plan', '1-2:1'];

test('--list-prompts prints one prompt per line, the scenarios of the physics world', () => {
  const r = run('generate', '--list-prompts');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines, card.scenarios.map((s) => s.prompt));
  const world = run('world', 'list');
  for (const s of card.scenarios) assert.match(world.stdout, new RegExp(`${s.name}\\s+${s.prompt}`));
});

test('generate writes a playable 16-frame GIF, PNG frames, the latent and an MP4; the same seed gives identical GIF bytes', () => {
  const a = join(dir, 'a.gif');
  const r = run('generate', '--prompt', prompt, '--seed', '3', ...fast, '--out', a, '--json');
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.ok(summary.nfe >= 6);
  const gif = readFileSync(a);
  assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
  let frames = 0;
  for (let i = 0; i + 1 < gif.length; i++) if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 4) frames++;
  assert.equal(frames, 16, 'one graphic control block per frame');
  const pngs = readdirSync(join(dir, 'a.frames'));
  assert.equal(pngs.length, 16);
  const first = PNG.sync.read(readFileSync(join(dir, 'a.frames', pngs[0])));
  assert.equal(first.width, 32 * 8);
  assert.equal(readNpyFloat32(join(dir, 'a.latent.npy')).shape[1], 16);
  assert.equal(existsSync(join(dir, 'a.mp4')), ffmpegAvailable());
  const b = join(dir, 'b.gif');
  run('generate', '--prompt', prompt, '--seed', '3', ...fast, '--no-mp4', '--out', b);
  assert.ok(readFileSync(a).equals(readFileSync(b)), 'same seed, same bytes');
  const c = join(dir, 'c.gif');
  run('generate', '--prompt', prompt, '--seed', '4', ...fast, '--no-mp4', '--out', c);
  assert.ok(!readFileSync(a).equals(readFileSync(c)), 'another seed differs');
});

test('--mask-video writes the mask picture; --count writes a dataset that eval scores', () => {
  const m = join(dir, 'm.gif');
  const r = run('generate', '--prompt', prompt, ...fast, '--tau', '0.25', '--mask-video', '--no-mp4', '--out', m);
  assert.equal(r.code, 0, r.stderr);
  const pic = PNG.sync.read(readFileSync(join(dir, 'm.mask.png')));
  assert.ok(pic.width > pic.height, 'frames run across, refined steps down');
  const ds = join(dir, 'ds');
  const g = run('generate', '--count', '3', ...fast, '--out', ds);
  assert.equal(g.code, 0, g.stderr);
  const e = run('eval', ds, '--json');
  assert.equal(e.code, 0, e.stderr);
  const report = JSON.parse(e.stdout);
  assert.equal(report.clips, 3);
  assert.equal(report.perClip.length, 3);
  // The same seeds without refinement, compared pair by pair; a set of other clips is refused.
  const plain = join(dir, 'ds-plain');
  assert.equal(run('generate', '--count', '3', '--steps', '6', '--refine', 'none', '--out', plain).code, 0);
  const p = run('eval', ds, '--against', plain, '--json', '--reference', '0');
  assert.equal(p.code, 0, p.stderr);
  const paired = JSON.parse(p.stdout).paired as { clips: number; rows: { key: string; delta: { mean: number; n: number }; gained?: number; lost?: number }[] };
  assert.equal(paired.clips, 3);
  const validity = paired.rows.find((r) => r.key === 'validity')!;
  const own = report.perClip.filter((c: { valid: boolean }) => c.valid).length;
  const base = JSON.parse(run('eval', plain, '--json', '--reference', '0').stdout).perClip.filter((c: { valid: boolean }) => c.valid).length;
  assert.ok(Math.abs(validity.delta.mean - (own - base) / 3) < 1e-12, 'Δ validity is the difference of the two rates');
  assert.equal(validity.gained! - validity.lost!, own - base);
  assert.match(run('eval', ds, '--against', plain, '--reference', '0').stdout, /− .*ds-plain \(paired, n=3\)/);
  const other = join(dir, 'ds-other');
  assert.equal(run('generate', '--count', '3', '--seed', '7', '--steps', '6', '--refine', 'none', '--out', other).code, 0);
  const bad = run('eval', ds, '--against', other);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /clip 0 differs between the two sets .*seed 0.* against .*seed 7/);
});

test('image-to-video from a PNG and from given frames', () => {
  const clip = join(dir, 'clip');
  assert.equal(run('world', 'export', '--clips', '1', '--seed', '5', '--out', clip).code, 0);
  const r = run('generate', '--prompt', prompt, ...fast, '--given-frames', `${join(clip, 'videos.npy')}:2`, '--no-mp4', '--out', join(dir, 'i2v.gif'));
  assert.equal(r.code, 0, r.stderr);
  const png = new PNG({ width: 32, height: 32 });
  png.data.fill(40);
  writeFileSync(join(dir, 'first.png'), PNG.sync.write(png));
  const p = run('generate', '--prompt', prompt, ...fast, '--image', join(dir, 'first.png'), '--no-mp4', '--out', join(dir, 'img.gif'));
  assert.equal(p.code, 0, p.stderr);
});

test('bad input: unknown prompt, wrong image size, corrupted or missing model, mismatched card', () => {
  const out = join(dir, 'never.gif');
  const unknown = run('generate', '--prompt', 'a purple cow jumps', '--out', out);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /not in the model's vocabulary; valid prompts:/);
  assert.ok(unknown.stderr.includes(prompt));
  const small = new PNG({ width: 16, height: 16 });
  writeFileSync(join(dir, 'small.png'), PNG.sync.write(small));
  const wrong = run('generate', '--prompt', prompt, '--image', join(dir, 'small.png'), '--out', out);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /is 16×16; the model's frames are 32×32/);

  const copy = join(dir, 'model');
  cpSync(MODEL_DIR, copy, { recursive: true });
  const onnx = join(copy, 'model.onnx');
  const bytes = readFileSync(onnx);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(onnx, bytes);
  const corrupted = run('generate', '--model', join(copy, 'card.json'), '--prompt', prompt, '--out', out);
  assert.equal(corrupted.code, 2);
  assert.match(corrupted.stderr, /sha256 .* does not match the model card/);

  const missing = run('generate', '--model', join(dir, 'nowhere', 'card.json'), '--prompt', prompt, '--out', out);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read model card/);

  const cardJson = JSON.parse(readFileSync(join(MODEL_DIR, 'card.json'), 'utf8'));
  cpSync(join(MODEL_DIR, 'model.onnx'), onnx);
  writeFileSync(join(copy, 'card.json'), JSON.stringify({ ...cardJson, latentShape: [3, 16, 8, 8] }));
  const mismatch = run('generate', '--model', join(copy, 'card.json'), '--prompt', prompt, '--out', out);
  assert.equal(mismatch.code, 2);
  assert.match(mismatch.stderr, /does not match the card's latentShape|latent/);
  assert.equal(existsSync(out), false);
});
