import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportDataset } from '../../src/world/dataset/export.js';
import { loadDataset } from '../../src/world/dataset/load.js';
import { encodeNpy } from '../../src/io/npy.js';
import { UsageError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sr-world-'));

test('export → load round trip, deterministic by seed, scenarios round-robin', () => {
  const d1 = tmp();
  const d2 = tmp();
  try {
    exportDataset(d1, { clips: 20, seed: 5 });
    exportDataset(d2, { clips: 20, seed: 5 });
    assert.deepEqual(readFileSync(join(d1, 'videos.npy')), readFileSync(join(d2, 'videos.npy')));
    assert.equal(readFileSync(join(d1, 'clips.json'), 'utf8'), readFileSync(join(d2, 'clips.json'), 'utf8'));
    const ds = loadDataset(d1);
    assert.equal(ds.videos.count, 20);
    assert.ok(ds.videos.data instanceof Uint8Array);
    assert.equal(ds.videos.data.length, 20 * 3 * 16 * 32 * 32);
    assert.equal(ds.clips[0].scenario, 'drop-bounce');
    assert.equal(ds.clips[9].scenario, 'drop-bounce');
    assert.equal(ds.clips[1].scenario, 'throw-arc');
    const tr = ds.clips[4].truth;
    assert.ok(tr !== undefined);
    assert.equal(tr.balls, 2);
    assert.equal(tr.states.length, 16 * 2 * 4);
    assert.deepEqual(tr.colours, [0, 2]);
    const d3 = tmp();
    exportDataset(d3, { clips: 20, seed: 6 });
    assert.notDeepEqual(readFileSync(join(d1, 'videos.npy')), readFileSync(join(d3, 'videos.npy')));
    rmSync(d3, { recursive: true, force: true });
  } finally {
    rmSync(d1, { recursive: true, force: true });
    rmSync(d2, { recursive: true, force: true });
  }
});

test('sharded export loads to the same data; float32 export is the same video in [-1, 1]', () => {
  const a = tmp();
  const b = tmp();
  const c = tmp();
  try {
    exportDataset(a, { clips: 23, seed: 9 });
    const r = exportDataset(b, { clips: 23, seed: 9, shardSize: 10 });
    assert.deepEqual(r.shards, ['videos-00000.npy', 'videos-00001.npy', 'videos-00002.npy']);
    assert.ok(!existsSync(join(b, 'videos.npy')));
    const da = loadDataset(a);
    const db = loadDataset(b);
    assert.deepEqual(db.videos.data, da.videos.data);
    exportDataset(c, { clips: 23, seed: 9, dtype: 'float32' });
    const dc = loadDataset(c);
    assert.ok(dc.videos.data instanceof Float32Array);
    for (let i = 0; i < dc.videos.data.length; i += 97) {
      assert.ok(Math.abs((dc.videos.data[i] + 1) * 127.5 - da.videos.data[i]) < 1e-3);
    }
  } finally {
    for (const d of [a, b, c]) rmSync(d, { recursive: true, force: true });
  }
});

test('bad datasets are usage errors with clear messages', () => {
  const d = tmp();
  try {
    exportDataset(d, { clips: 3, seed: 1 });
    const clips = JSON.parse(readFileSync(join(d, 'clips.json'), 'utf8')) as { clips: { scenario: string; states?: unknown }[]; count: number; shards: unknown };
    const npy = readFileSync(join(d, 'videos.npy'));
    // missing videos.npy
    rmSync(join(d, 'videos.npy'));
    assert.throws(() => loadDataset(d), (e: Error) => e instanceof UsageError && /missing .*videos\.npy/.test(e.message));
    // mis-shaped videos.npy
    writeFileSync(join(d, 'videos.npy'), encodeNpy(new Uint8Array(3 * 16 * 32 * 32), [3, 16, 32, 32]));
    assert.throws(() => loadDataset(d), (e: Error) => e instanceof UsageError && /shape \[3, 16, 32, 32\].*\[N, 3, F, H, W\]/.test(e.message));
    writeFileSync(join(d, 'videos.npy'), Buffer.from('not an npy file at all'));
    assert.throws(() => loadDataset(d), UsageError);
    writeFileSync(join(d, 'videos.npy'), npy);
    assert.equal(loadDataset(d).clips.length, 3);
    // clips.json that does not match
    const write = (obj: unknown): void => writeFileSync(join(d, 'clips.json'), JSON.stringify(obj));
    write({ ...clips, clips: clips.clips.slice(0, 2), shards: undefined, count: 2 });
    assert.throws(() => loadDataset(d), (e: Error) => e instanceof UsageError && /2 entries, but the videos hold 3 clips/.test(e.message));
    write({ ...clips, clips: [{ ...clips.clips[0], scenario: 'moon-landing' }, ...clips.clips.slice(1)] });
    assert.throws(() => loadDataset(d), (e: Error) => e instanceof UsageError && /unknown scenario 'moon-landing'/.test(e.message));
    write({ ...clips, clips: [{ ...clips.clips[0], states: [[[1, 2]]] }, ...clips.clips.slice(1)] });
    assert.throws(() => loadDataset(d), (e: Error) => e instanceof UsageError && /states has 1 frames/.test(e.message));
    write({ ...clips, clips: [{ scenario: 'drift', givenFrames: 2 }, ...clips.clips.slice(1)] });
    assert.throws(() => loadDataset(d), (e: Error) => e instanceof UsageError && /givenFrames/.test(e.message));
    write({ ...clips, clips: [{ prompt: 'x' }, ...clips.clips.slice(1)] });
    assert.throws(() => loadDataset(d), (e: Error) => e instanceof UsageError && /clips\.0\.scenario/.test(e.message));
    writeFileSync(join(d, 'clips.json'), '{ not json');
    assert.throws(() => loadDataset(d), (e: Error) => e instanceof UsageError && /not valid JSON/.test(e.message));
    rmSync(join(d, 'clips.json'));
    assert.throws(() => loadDataset(d), (e: Error) => e instanceof UsageError && /missing .*clips\.json/.test(e.message));
    // a bare array of entries and a generated-style entry (scenario only) are accepted
    write([{ scenario: 'drift' }, { scenario: 'throw-arc' }, { scenario: 'two-pass' }]);
    const ds = loadDataset(d);
    assert.equal(ds.clips[2].scenario, 'two-pass');
    assert.equal(ds.clips[2].truth, undefined);
    assert.throws(() => exportDataset(d, { clips: 0, seed: 1 }), UsageError);
    assert.throws(() => exportDataset(d, { clips: 2, seed: 1, scenarios: ['nope'] }), UsageError);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('CLI: world list / render / export, eval on bad input exits 2 without a stack trace', () => {
  const d = tmp();
  try {
    const run = runCli;
    const list = run('world', 'list');
    assert.equal(list.code, 0);
    assert.equal(list.stdout.trim().split('\n').length, 9);
    assert.match(list.stdout, /drop-bounce\s+a red ball falls and bounces on the floor/);
    const gif = join(d, 'c.gif');
    const r1 = run('world', 'render', '--scenario', 'two-collide', '--seed', '3', '--out', gif);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(readFileSync(gif).subarray(0, 6).toString('latin1'), 'GIF89a');
    const r2 = run('world', 'render', '--scenario', 'nope', '--seed', '3', '--out', gif);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /unknown scenario 'nope'/);
    const r3 = run('world', 'export', '--clips', '12', '--seed', '4', '--out', join(d, 'ds'));
    assert.equal(r3.code, 0, r3.stderr);
    assert.equal(loadDataset(join(d, 'ds')).clips.length, 12);
    const r4 = run('eval', join(d, 'nothing-here'));
    assert.equal(r4.code, 2);
    assert.match(r4.stderr, /^selfrefine: error: .*not a directory/);
    assert.doesNotMatch(r4.stderr, /\n\s+at /);
    rmSync(join(d, 'ds', 'videos.npy'));
    const r5 = run('eval', join(d, 'ds'), '--json');
    assert.equal(r5.code, 2);
    assert.match(r5.stderr, /missing .*videos\.npy/);
    const r6 = run('world', 'export', '--clips', 'many', '--seed', '4', '--out', join(d, 'x'));
    assert.equal(r6.code, 2);
    assert.match(r6.stderr, /--clips must be an integer/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
