import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corruptClip } from '../../src/world/corrupt.js';
import { renderClip } from '../../src/world/render.js';
import { clipInfoFromTruth } from '../../src/world/dataset/truth.js';
import { SCENARIOS, simulateClip } from '../../src/world/scenarios.js';
import { checkSameClips, comparePaired, formatComparison } from '../../src/eval/compare.js';
import { UsageError } from '../../src/errors.js';
import { metricsOf, world } from './helpers.js';

const truths = SCENARIOS.map((sc, i) => simulateClip(sc, 40 + i, world));
const infos = truths.map((t) => clipInfoFromTruth(t));

test('paired comparison: true clips against the same clips with a ball vanishing', () => {
  const clean = truths.map((t, i) => metricsOf(renderClip(t), infos[i]));
  const broken = truths.map((t, i) => metricsOf(corruptClip(t, 'vanish', { frame: 8 }), infos[i]));
  const c = comparePaired(broken, clean, { resamples: 200 });
  const row = (k: string) => c.rows.find((r) => r.key === k)!;
  assert.equal(c.clips, truths.length);
  assert.equal(row('validity').delta.mean, -1);
  assert.deepEqual([row('validity').gained, row('validity').lost], [0, truths.length]);
  assert.ok(row('trajectoryErrorPx').delta.lo > 0, 'a vanished ball raises the trajectory error');
  const same = comparePaired(clean, clean, { resamples: 200 });
  for (const r of same.rows) if (r.delta.n > 0) assert.equal(r.delta.mean, 0, r.key);
  assert.match(formatComparison(c, { a: 'broken', b: 'clean' }), /valid clips \(fraction\)\s+-1\.000 \[-1\.000, -1\.000\]\s+0 \/ 9/);
  assert.throws(() => comparePaired(broken.slice(1), clean), UsageError);
});

test('paired comparison refuses sets of different clips, naming the first one', () => {
  checkSameClips(infos, infos.map((i) => ({ ...i })));
  assert.throws(() => checkSameClips(infos, infos.slice(1)), /have 9 and 8 clips/);
  const shifted = infos.map((i, k) => (k === 3 ? { ...i, seed: 999 } : i));
  assert.throws(() => checkSameClips(infos, shifted), (e: unknown) => e instanceof UsageError && /clip 3 differs .*seed 43 against .*seed 999/.test(e.message));
});
