import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeWorld } from '../../src/world/config.js';
import { exportDataset, writeDataset } from '../../src/world/dataset/export.js';
import { loadDataset } from '../../src/world/dataset/load.js';
import { clipEntry, generateTrueClips } from '../../src/world/dataset/truth.js';
import { UsageError } from '../../src/errors.js';

test('writeDataset of in-memory clips loads back to the same videos, world and truth as an export of the same plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-write-'));
  try {
    const world = makeWorld({ background: [40, 30, 20] });
    const { videos, truths } = generateTrueClips(6, 31, world);
    writeDataset(join(dir, 'written'), videos, truths.map((t) => clipEntry(t, { givenFrames: 3 })), world);
    exportDataset(join(dir, 'exported'), { clips: 6, seed: 31, world, givenFrames: 3 });
    // The same plan written from memory and exported from scratch: byte-identical files.
    for (const f of ['videos.npy', 'clips.json']) {
      assert.deepEqual(readFileSync(join(dir, 'written', f)), readFileSync(join(dir, 'exported', f)), f);
    }
    const ds = loadDataset(join(dir, 'written'));
    assert.deepEqual([...ds.world.background], [40, 30, 20]);
    assert.deepEqual(ds.videos.data, videos.data);
    assert.deepEqual(
      ds.clips.map((c) => [c.scenario, c.givenFrames, c.truth?.balls]),
      truths.map((t) => [t.scenario, 3, t.sim.balls]),
    );

    // float32 batches keep their dtype
    const f32 = { ...videos, data: Float32Array.from(videos.data, (v) => v / 127.5 - 1) };
    writeDataset(join(dir, 'float'), f32, truths.map((t) => clipEntry(t)));
    const back = loadDataset(join(dir, 'float'));
    assert.ok(back.videos.data instanceof Float32Array);
    assert.deepEqual(back.videos.data, f32.data);
    assert.equal(back.clips[0].givenFrames, 0);

    assert.throws(() => writeDataset(join(dir, 'bad'), videos, [clipEntry(truths[0])]), (e: unknown) => e instanceof UsageError && /1 entries for 6 videos/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
