// `selfrefine generate --model DIR --prompt TEXT` on the tiny Wan folder with text encoder, tokenizer and VAE
// decoder: the clip as GIF, MP4 and PNG frames beside the latent, and the prompt states cached between runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { readNpyFloat32 } from '../../src/io/npy.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const WAN = fileURLToPath(new URL('../../../test/fixtures/wan-tiny/', import.meta.url));
const FULL = join(WAN, 'full');

/** Frames ffprobe counts in a video file, and its size. */
function probe(path: string): { frames: number; width: number; height: number } {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height', '-of', 'json', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = (JSON.parse(r.stdout) as { streams: { nb_read_frames: string; width: number; height: number }[] }).streams[0];
  return { frames: Number(s.nb_read_frames), width: s.width, height: s.height };
}

test('generate --model DIR --prompt TEXT writes the decoded clip (GIF, MP4, 17 PNG frames), its latent and a preview; a second run reads the prompts from the cache', () => {
  const dir = scratchDir('gen-text');
  const cache = join(dir, 'cache');
  const args = (out: string): string[] => [
    'generate', '--model', FULL, '--prompt', 'a red ball rolls over the table', '--frames', '17', '--size', '64x48', '--steps', '8', '--plan', '1-3:2', '--out', out, '--cache-dir', cache,
  ];
  const r = runCli(...args(join(dir, 'clip.gif')));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^nfe \d+$/m);
  assert.match(r.stdout, /promptsEncoded 2 · promptsCached 0/);

  const gif = readFileSync(join(dir, 'clip.gif'));
  assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
  assert.deepEqual(probe(join(dir, 'clip.gif')), { frames: 17, width: 64, height: 48 });
  assert.deepEqual(probe(join(dir, 'clip.mp4')), { frames: 17, width: 64, height: 48 });
  const frames = readdirSync(join(dir, 'clip.frames')).sort();
  assert.equal(frames.length, 17);
  const png = PNG.sync.read(readFileSync(join(dir, 'clip.frames', frames[8])));
  assert.deepEqual([png.width, png.height], [64, 48]);
  const latent = readNpyFloat32(join(dir, 'clip.latent.npy'), [16, 5, 6, 8]);
  assert.ok(latent.data.every(Number.isFinite));
  // Up to 8 latent frames (here all 5) side by side with 1-pixel gaps, upscaled ×16 to 96 pixels high.
  const preview = PNG.sync.read(readFileSync(join(dir, 'clip.preview.png')));
  assert.deepEqual([preview.width, preview.height], [(5 * 9 - 1) * 16, 96]);
  // Two prompts (the prompt and Wan's default negative prompt), one states file each.
  assert.equal(readdirSync(join(cache, 'text-states')).length, 2);

  const again = runCli(...args(join(dir, 'again.gif')));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /promptsEncoded 0 · promptsCached 2/);
  assert.deepEqual(readFileSync(join(dir, 'again.latent.npy')), readFileSync(join(dir, 'clip.latent.npy')));
  assert.deepEqual(readFileSync(join(dir, 'again.gif')), gif);
});

test('text prompts need the folder’s text encoder and tokenizer, and exclude the states flags', () => {
  const dir = scratchDir('gen-text-bad');
  const base = ['generate', '--frames', '17', '--size', '64x48', '--steps', '2', '--refine', 'none', '--cache-dir', join(dir, 'cache')];
  const cases: [string, string[], RegExp][] = [
    ['no text encoder', [...base, '--model', join(WAN, 't2v'), '--prompt', 'a ball', '--out', join(dir, 'a.npy')], /has no text_encoder\/model\.onnx and tokenizer\/: give the prompts as text-encoder states/],
    ['--prompt and --prompt-embeds', [...base, '--model', FULL, '--prompt', 'a ball', '--prompt-embeds', join(WAN, 'cases', 'common', 'pos.npy'), '--out', join(dir, 'b.npy')], /give either --prompt or --prompt-embeds, not both/],
    ['a .gif without a decoder', [...base, '--model', join(WAN, 't2v'), '--prompt-embeds', join(WAN, 'cases', 'common', 'pos.npy'), '--cfg', '1', '--out', join(dir, 'c.gif')], /give a \.npy path \(the folder has no vae_decoder\/\)/],
  ];
  for (const [what, args, message] of cases) {
    const r = runCli(...args);
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`);
  }
  assert.equal(existsSync(join(dir, 'a.npy')) || existsSync(join(dir, 'b.npy')) || existsSync(join(dir, 'c.gif')), false);
});
