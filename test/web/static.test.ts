// Static files of the browser app: the stand-alone server (tests, bench:web) and `selfrefine serve`'s /app/ route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStaticServer } from '../../src/web/static.js';
import { scratchDir } from '../helpers/scratch.js';
import { withApp } from './helpers.js';

test('static server: files with their types and the isolation headers; no climbing out of the folder; 404 otherwise', async () => {
  const dir = scratchDir('static');
  mkdirSync(join(dir, 'site/ort'), { recursive: true });
  writeFileSync(join(dir, 'site/index.html'), '<!doctype html><p>hi</p>');
  writeFileSync(join(dir, 'site/ort/x.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  const isolated = await startStaticServer(join(dir, 'site'));
  try {
    const index = await fetch(isolated.url);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(index.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(index.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.equal(await index.text(), '<!doctype html><p>hi</p>');
    const wasm = await fetch(`${isolated.url}ort/x.wasm`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.deepEqual([...new Uint8Array(await wasm.arrayBuffer())], [0, 97, 115, 109]);
    assert.equal((await fetch(`${isolated.url}%2e%2e/secret.txt`)).status, 404);
    assert.equal((await fetch(`${isolated.url}missing.js`)).status, 404);
    assert.equal((await fetch(isolated.url, { method: 'POST' })).status, 404);
  } finally {
    await isolated.close();
  }
  const plain = await startStaticServer(join(dir, 'site'), { isolate: false });
  try {
    const index = await fetch(plain.url);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cross-origin-embedder-policy'), null);
  } finally {
    await plain.close();
  }
});

test('selfrefine serve answers /app/ with the built browser app (cross-origin isolated), or says how to build it', async () => {
  await withApp({}, async (app) => {
    const redirect = await fetch(`${app.url}/app`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), '/app/');
    const res = await fetch(`${app.url}/app/`);
    if (res.status === 200) {
      assert.match(await res.text(), /window\.selfrefine|app\.js/);
      assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
    } else {
      assert.equal(res.status, 404);
      assert.match(((await res.json()) as { error: string }).error, /npm run build:web|no such file/);
    }
    assert.equal((await fetch(`${app.url}/app/`, { method: 'POST' })).status, 405);
  });
});
