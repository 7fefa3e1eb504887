import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderScene, renderClip } from '../../src/world/render.js';
import { makeWorld, PALETTE, BACKGROUND } from '../../src/world/config.js';
import { simulateClip } from '../../src/world/scenarios.js';
import { encodeGif } from '../../src/io/gif.js';
import { UsageError } from '../../src/errors.js';

test('an anti-aliased disc has area ≈ πr² and its centroid at the centre; far pixels stay background', () => {
  const W = 32;
  const H = 32;
  for (const [x, y, r] of [[10.3, 12.7, 3.4], [20.5, 20.5, 2.8], [15.1, 9.9, 4.1]]) {
    const v = renderScene({ width: W, height: H, frames: 1, background: BACKGROUND, discs: [[{ x, y, r, rgb: PALETTE[0].rgb }]] });
    let a = 0;
    let mx = 0;
    let my = 0;
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++) {
        const alpha = (v[j * W + i] - BACKGROUND[0]) / (255 - BACKGROUND[0]);
        a += alpha;
        mx += alpha * (i + 0.5);
        my += alpha * (j + 0.5);
        if (Math.hypot(i + 0.5 - x, j + 0.5 - y) > r + 1) {
          assert.equal(v[j * W + i], BACKGROUND[0]);
          assert.equal(v[H * W + j * W + i], BACKGROUND[1]);
        }
      }
    }
    assert.ok(Math.abs(a - Math.PI * r * r) / (Math.PI * r * r) < 0.03, `area ${a} vs ${Math.PI * r * r}`);
    assert.ok(Math.abs(mx / a - x) < 0.05 && Math.abs(my / a - y) < 0.05);
  }
});

test('renderClip equals rendering the same discs through renderScene, and writes at an offset', () => {
  const w = makeWorld();
  const truth = simulateClip('three-box', 4, w);
  const a = renderClip(truth);
  const per = a.length;
  const buf = new Uint8Array(3 * per);
  renderClip(truth, buf, per);
  assert.deepEqual(buf.subarray(per, 2 * per), a);
  assert.ok(buf.subarray(0, per).every((v) => v === 0));
});

function gifInfo(bytes: Uint8Array): { width: number; height: number; frames: number } {
  assert.equal(Buffer.from(bytes.subarray(0, 6)).toString('latin1'), 'GIF89a');
  assert.equal(bytes[bytes.length - 1], 0x3b);
  // count image descriptors by walking the blocks
  let p = 13;
  const flags = bytes[10];
  if (flags & 0x80) p += 3 * (1 << ((flags & 7) + 1));
  let frames = 0;
  while (p < bytes.length && bytes[p] !== 0x3b) {
    if (bytes[p] === 0x21) {
      p += 2;
      while (bytes[p] !== 0) p += bytes[p] + 1;
      p++;
    } else if (bytes[p] === 0x2c) {
      frames++;
      const f = bytes[p + 9];
      p += 10;
      if (f & 0x80) p += 3 * (1 << ((f & 7) + 1));
      p++; // LZW min code size
      while (bytes[p] !== 0) p += bytes[p] + 1;
      p++;
    } else throw new Error(`bad GIF block 0x${bytes[p].toString(16)} at ${p}`);
  }
  return { width: bytes[6] | (bytes[7] << 8), height: bytes[8] | (bytes[9] << 8), frames };
}

test('encodeGif: both layouts, upscaling, frame count', () => {
  const w = makeWorld();
  const video = renderClip(simulateClip('two-collide', 1, w)); // [3, F, H, W]
  const F = w.frames;
  const HW = w.height * w.width;
  const fhwc = new Uint8Array(video.length);
  for (let f = 0; f < F; f++) for (let i = 0; i < HW; i++) for (let c = 0; c < 3; c++) fhwc[(f * HW + i) * 3 + c] = video[(c * F + f) * HW + i];
  const g1 = encodeGif(video, { width: 32, height: 32, layout: 'cfhw', scale: 4, fps: 10 });
  const g2 = encodeGif(fhwc, { width: 32, height: 32, scale: 4, fps: 10 });
  assert.deepEqual(g1, g2);
  assert.deepEqual(gifInfo(g1), { width: 128, height: 128, frames: F });
  assert.throws(() => encodeGif(video.subarray(1), { width: 32, height: 32 }), UsageError);
  assert.throws(() => encodeGif(video, { width: 32, height: 32, scale: 0 }), UsageError);
});
