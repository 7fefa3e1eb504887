import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { CACHE_DIR_ENV, NpyCache, defaultCacheDir, fileSha256 } from '../../src/io/cache.js';
import { scratchDir } from '../helpers/scratch.js';

test('the cache directory: the selfrefine variable, then XDG_CACHE_HOME, then ~/.cache', () => {
  assert.equal(defaultCacheDir({ [CACHE_DIR_ENV]: '/x/own', XDG_CACHE_HOME: '/x/xdg' }), '/x/own');
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x/xdg' }), '/x/xdg/selfrefine');
  assert.equal(defaultCacheDir({}), join(homedir(), '.cache', 'selfrefine'));
});

test('file digests are memoised by size and mtime and recomputed when the file changes', async () => {
  const dir = scratchDir('cache');
  const file = join(dir, 'model.onnx');
  writeFileSync(file, 'first');
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  assert.equal(await fileSha256(file, join(dir, 'c')), sha('first'));
  // The memo answers while size and mtime are unchanged, even if it was tampered with …
  const memoDir = join(dir, 'c', 'file-sha256');
  const [memo] = readdirSync(memoDir);
  const record = JSON.parse(readFileSync(join(memoDir, memo), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(memoDir, memo), JSON.stringify({ ...record, sha256: 'memo' }));
  assert.equal(await fileSha256(file, join(dir, 'c')), 'memo');
  // … and a new content (another size and mtime) is hashed again.
  writeFileSync(file, 'second!');
  utimesSync(file, new Date(2000, 1, 1), new Date(2000, 1, 1));
  assert.equal(await fileSha256(file, join(dir, 'c')), sha('second!'));
});

test('NpyCache: a stored array reads back; a missing or damaged entry is absent', () => {
  const cache = new NpyCache(join(scratchDir('npycache'), 'emb'));
  assert.equal(cache.read('k'), undefined);
  cache.write('k', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
  assert.deepEqual(cache.read('k'), { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  writeFileSync(cache.path('bad'), 'not npy');
  assert.equal(cache.read('bad'), undefined);
});
