// Job ids and payloads: ids are hashes of what a result depends on; payloads keep τ = ∞ and NaN.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PHYSICS_DEFAULTS } from '../../src/pipeline/config.js';
import { checkRedisUrl, queueNameFor, redactedUrl } from '../../src/queue/connection.js';
import { clipJobId, decodeResult, encodeResult, unwrap, wrap, type ClipJobData } from '../../src/queue/payload.js';

const clip: ClipJobData = { kind: 'clip', weights: 'w1', scenario: 'drop-bounce', seed: 4242, config: PHYSICS_DEFAULTS };

test('clip job ids: equal for the same clip, different when the seed, the weights or the sampler differ', () => {
  assert.equal(clipJobId({ ...clip }), clipJobId(clip));
  assert.match(clipJobId(clip), /^clip-[0-9a-f]{32}$/);
  const others = [
    { ...clip, seed: 4243 },
    { ...clip, weights: 'w2' },
    { ...clip, scenario: 'pendulum' },
    { ...clip, config: { ...PHYSICS_DEFAULTS, steps: 21 } },
    { ...clip, given: { pixels: 'AAAA', frames: 1 } },
  ];
  const ids = new Set([clipJobId(clip), ...others.map(clipJobId)]);
  assert.equal(ids.size, others.length + 1);
});

test('payloads keep non-finite numbers (τ = ∞, NaN metrics) through the queue', () => {
  const data: ClipJobData = { ...clip, config: { ...PHYSICS_DEFAULTS, refine: { mode: 'pnp', plan: '1-6:2', tau: Infinity, earlyExit: true } } };
  assert.deepEqual(unwrap(wrap(data)), data);
  assert.deepEqual(decodeResult<{ a: number[] }>(encodeResult({ a: [NaN, -Infinity, 1] })), { a: [NaN, -Infinity, 1] });
});

test('queue names and URLs: one queue per weights id; bad URLs refused; passwords never printed', () => {
  assert.equal(queueNameFor('abc'), queueNameFor('abc'));
  assert.notEqual(queueNameFor('abc'), queueNameFor('abd'));
  assert.doesNotMatch(queueNameFor('a:b'), /:/);
  assert.equal(checkRedisUrl('rediss://:pw@example.org:6380'), 'rediss://:pw@example.org:6380');
  assert.throws(() => checkRedisUrl('127.0.0.1:6379'), /redis:\/\/127\.0\.0\.1:6379/);
  assert.throws(() => checkRedisUrl('http://host'), /redis:\/\/ or rediss:\/\//);
  assert.equal(redactedUrl('redis://:secret@host:6379'), 'redis://:***@host:6379');
});
