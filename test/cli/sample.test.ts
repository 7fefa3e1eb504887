import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NormalRng } from '../../src/core/rng.js';
import { writeNpy, readNpyFloat32 } from '../../src/io/npy.js';
import { mixtureSpec } from '../helpers/mixture.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const dir = scratchDir('cli');
const spec = mixtureSpec([4, 2, 4, 4], 2, 3);
const specPath = join(dir, 'gmm.json');
writeFileSync(specPath, JSON.stringify({ shape: spec.shape, components: spec.components.map((c) => ({ weight: c.weight, mean: [...c.mean], std: c.std, label: c.label ?? undefined })) }));

const run = runCli;

test('sample prints the NFE and writes the latent; the same seed gives identical bytes, another seed differs', () => {
  const out = (n: string): string => join(dir, n);
  const base = ['sample', '--model', `gmm:${specPath}`, '--solver', 'unipc', '--steps', '20', '--shift', '5', '--label', 'a', '--cfg', '3', '--plan', '1-4:2', '--tau', '0.25'];
  const a = run(...base, '--seed', '7', '--out', out('a.npy'));
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /^NFE \d+/);
  const nfe = Number(/NFE (\d+)/.exec(a.stdout)?.[1]);
  assert.ok(nfe > 20 && nfe <= 28, `NFE ${nfe}`);
  run(...base, '--seed', '7', '--out', out('b.npy'));
  run(...base, '--seed', '8', '--out', out('c.npy'));
  assert.ok(readFileSync(out('a.npy')).equals(readFileSync(out('b.npy'))));
  assert.ok(!readFileSync(out('a.npy')).equals(readFileSync(out('c.npy'))));
  assert.deepEqual(readNpyFloat32(out('a.npy')).shape, [4, 2, 4, 4]);
});

test('noise injected from .npy reproduces the seeded run bit for bit', () => {
  // The seeded run draws the initial noise first, then one latent per Perturb.
  const rng = new NormalRng(11);
  const init = new Float32Array(128);
  rng.fill(init);
  const stream = new Float32Array(8 * 128);
  for (let k = 0; k < 8; k++) rng.fill(stream.subarray(k * 128, (k + 1) * 128));
  writeNpy(join(dir, 'init.npy'), init, [4, 2, 4, 4]);
  writeNpy(join(dir, 'stream.npy'), stream, [8, 4, 2, 4, 4]);
  const base = ['sample', '--model', `gmm:${specPath}`, '--steps', '12', '--plan', '2-4:2', '--tau', '0', '--no-early-exit'];
  const seeded = run(...base, '--seed', '11', '--out', join(dir, 's.npy'));
  const injected = run(...base, '--init', join(dir, 'init.npy'), '--noise', join(dir, 'stream.npy'), '--out', join(dir, 'i.npy'));
  assert.equal(seeded.code, 0, seeded.stderr);
  assert.equal(injected.code, 0, injected.stderr);
  assert.ok(readFileSync(join(dir, 's.npy')).equals(readFileSync(join(dir, 'i.npy'))));
  const short = run(...base, '--plan', '2-6:2', '--init', join(dir, 'init.npy'), '--noise', join(dir, 'stream.npy'), '--out', join(dir, 'short.npy'));
  assert.notEqual(short.code, 0);
  assert.match(short.stderr, /noise stream exhausted after 8 draw/);
  assert.equal(existsSync(join(dir, 'short.npy')), false);
});

test('presets, restart, FreeInit and adaptive refinement run from the CLI', () => {
  const m = `gmm:${specPath}`;
  const preset = run('sample', '--model', m, '--preset', 'wan2.2-t2v-a14b', '--label', 'b', '--no-early-exit', '--out', join(dir, 'p.npy'));
  assert.equal(preset.stdout.trim(), 'NFE 60');
  const restart = run('sample', '--model', m, '--steps', '20', '--restart', '8', '--restart-steps', '4', '--restart-repeats', '2', '--out', join(dir, 'r.npy'));
  assert.equal(restart.stdout.trim(), 'NFE 28');
  const free = run('sample', '--model', m, '--steps', '20', '--freeinit', '2', '--json', '--out', join(dir, 'f.npy'));
  assert.ok(JSON.parse(free.stdout).nfe > 20);
  const adaptive = run('sample', '--model', m, '--steps', '20', '--refine', 'adaptive', '--window', '0.5', '--k', '5', '--json', '--out', join(dir, 'ad.npy'));
  const summary = JSON.parse(adaptive.stdout);
  assert.equal(summary.nfe + summary.nfeSaved, 20 + 10 * 5);
});

const bad: [string, string[], RegExp][] = [
  ['a malformed plan', ['--plan', '2-x:3'], /malformed refinement plan item '2-x:3'/],
  ['τ < 0', ['--plan', '1:2', '--tau', '-0.5'], /--tau must be a number ≥ 0/],
  ['K < 0', ['--window', '0.2', '--k', '-1'], /--k must be an integer ≥ 0/],
  ['a plan beyond the grid', ['--plan', '30:1'], /grid has steps 0\.\.19/],
  ['an unknown preset', ['--preset', 'nope'], /unknown preset 'nope'/],
  ['an unknown label', ['--label', 'zzz', '--cfg', '2'], /no component with label 'zzz'/],
  ['--cfg without a label', ['--cfg', '3'], /--cfg needs --label/],
];
for (const [what, args, message] of bad) {
  test(`bad input: ${what} → clear error, exit code 2, no output file`, () => {
    const out = join(dir, `bad-${what.replace(/\W+/g, '_')}.npy`);
    const r = run('sample', '--model', `gmm:${specPath}`, '--steps', '20', ...args, '--out', out);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(out), false);
  });
}

test('bad input: .npy of the wrong shape or dtype, a missing spec exit 2; a model that returns NaN exits 1', () => {
  writeNpy(join(dir, 'wrong-shape.npy'), new Float32Array(64), [4, 1, 4, 4]);
  writeNpy(join(dir, 'wrong-dtype.npy'), new Int32Array(128), [4, 2, 4, 4]);
  const cases: [string[], RegExp][] = [
    [['--init', join(dir, 'wrong-shape.npy')], /initial latent of shape \[4, 1, 4, 4\]; this run.s latent is \[4, 2, 4, 4\]/],
    [['--init', join(dir, 'wrong-dtype.npy')], /dtype int32 where float32 or float16 was expected/],
    [['--noise', join(dir, 'wrong-shape.npy'), '--plan', '1:1'], /does not fit latent/],
  ];
  for (const [args, message] of cases) {
    const out = join(dir, 'never.npy');
    const r = run('sample', '--model', `gmm:${specPath}`, ...args, '--out', out);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(existsSync(out), false);
  }
  const missing = run('sample', '--model', `gmm:${join(dir, 'nope.json')}`, '--out', join(dir, 'never.npy'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read mixture spec .*nope\.json: ENOENT/);
  // Means so large that every squared distance overflows: the exact velocity is NaN.
  writeFileSync(join(dir, 'nan.json'), JSON.stringify({ shape: [1, 1, 1, 2], components: [{ weight: 1, mean: [1e300, 1e300], std: 0.1 }] }));
  // That is the model's failure (a ModelOutputError), not a wrong command: exit 1, still one line.
  const nan = run('sample', '--model', `gmm:${join(dir, 'nan.json')}`, '--steps', '5', '--out', join(dir, 'nan.npy'));
  assert.equal(nan.code, 1, nan.stderr);
  assert.doesNotMatch(nan.stderr, /\n\s+at /, 'no stack trace');
  assert.match(nan.stderr, /non-finite velocity \(NaN or Inf\) at step 0/);
  assert.equal(existsSync(join(dir, 'nan.npy')), false);
});
