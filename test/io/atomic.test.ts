import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { scratchDir } from '../helpers/scratch.js';

test('atomic writes: the file appears whole, no temporary is left, an unwritable path is a usage error', () => {
  const dir = scratchDir('atomic');
  writeFileAtomic(join(dir, 'sub', 'a.txt'), 'hello');
  assert.equal(readFileSync(join(dir, 'sub', 'a.txt'), 'utf8'), 'hello');
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['a.txt']);
  const file = join(dir, 'plain');
  writeFileSync(file, 'x');
  assert.throws(() => writeFileAtomic(join(file, 'b.txt'), 'y'), (e: Error) => e instanceof UsageError && /cannot write .*plain\/b\.txt: (ENOTDIR|EEXIST); choose a writable location/.test(e.message));
});
