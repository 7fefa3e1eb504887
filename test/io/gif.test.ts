// GIF encoding checked by decoding the file with ffmpeg: every frame shows its own pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeGif } from '../../src/io/gif.js';
import { scratchDir } from '../helpers/scratch.js';

/** The frames of a GIF as RGB bytes, decoded by ffmpeg. */
function decodeFrames(path: string, width: number, height: number): Uint8Array[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr?.toString());
  const size = width * height * 3;
  const out = r.stdout as Buffer;
  return Array.from({ length: out.length / size }, (_, f) => new Uint8Array(out.subarray(f * size, (f + 1) * size)));
}

test('every GIF frame shows its own pixels, with few colours (exact palette) and with many (quantised)', () => {
  const dir = scratchDir('gif');
  const W = 16;
  const H = 8;
  const F = 3;
  const px = W * H;
  // Few colours: frame f is one solid colour. Many colours: noise around a per-frame mean colour.
  const solid = [[250, 10, 10], [10, 250, 10], [10, 10, 250]];
  let seed = 1;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) % 41;
  for (const noisy of [false, true]) {
    const video = new Uint8Array(3 * F * px);
    for (let c = 0; c < 3; c++) {
      for (let f = 0; f < F; f++) {
        for (let i = 0; i < px; i++) video[(c * F + f) * px + i] = Math.max(0, Math.min(255, solid[f][c] + (noisy ? rand() - 20 : 0)));
      }
    }
    const path = join(dir, `${noisy ? 'noisy' : 'solid'}.gif`);
    writeFileSync(path, encodeGif(video, { width: W, height: H, layout: 'cfhw', fps: 10 }));
    const frames = decodeFrames(path, W, H);
    assert.equal(frames.length, F);
    frames.forEach((rgb, f) => {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let i = 0; i < px; i++) sum += rgb[i * 3 + c];
        const mean = sum / px;
        assert.ok(Math.abs(mean - solid[f][c]) < 12, `${noisy ? 'noisy' : 'solid'} frame ${f}, channel ${c}: mean ${mean.toFixed(1)}, want ${solid[f][c]}`);
      }
    });
  }
});
