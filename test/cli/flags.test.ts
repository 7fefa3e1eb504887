import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { parseInteger, parseNumber, parseOptionalInteger } from '../../src/cli/flags.js';

test('numeric flags: numbers, inf, integer ranges, and one-line errors that name the flag and the text', () => {
  assert.equal(parseNumber(' 2.5 ', '--cfg'), 2.5);
  assert.equal(parseNumber('INF', '--tau'), Infinity);
  assert.equal(parseInteger('7', '--steps', 1), 7);
  assert.equal(parseInteger('64', '--scale', 1, 64), 64);
  assert.equal(parseOptionalInteger(undefined, '--seed', 0), undefined);
  assert.equal(parseOptionalInteger('0', '--seed', 0), 0);
  const refuses = (f: () => unknown, message: string): void => assert.throws(f, (e: Error) => e instanceof UsageError && e.message === message);
  refuses(() => parseNumber('', '--cfg'), "--cfg must be a number, got ''");
  refuses(() => parseNumber('x', '--cfg', Number.isFinite, 'a finite number'), "--cfg must be a finite number, got 'x'");
  refuses(() => parseInteger('2.5', '--steps', 1), "--steps must be an integer ≥ 1, got '2.5'");
  refuses(() => parseInteger('65', '--scale', 1, 64), "--scale must be an integer in [1, 64], got '65'");
  refuses(() => parseOptionalInteger('-1', '--seed', 0), "--seed must be an integer ≥ 0, got '-1'");
});
