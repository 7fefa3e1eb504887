// `selfrefine bench` from the command line: errors, and a tiny run on the shipped model when it is present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deterministicPart, type BenchResults } from '../../src/bench/bench.js';
import { PHYSICS_DEFAULTS } from '../../src/pipeline/config.js';
import { plannedNfe } from '../../src/pipeline/run.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const here = dirname(fileURLToPath(import.meta.url));
const CARD = join(here, '../../../models/physics/card.json');
const dir = scratchDir('bench-cli');

const run = runCli;

test('bench: bad options exit 2 with one line naming the problem', () => {
  const a = run('bench', '--suite', 'huge', '--out', join(dir, 'x'));
  assert.equal(a.code, 2);
  assert.match(a.stderr, /unknown suite 'huge'; available: paper, quick, tune/);
  const b = run('bench', '--methods', 'pnp,magic', '--out', join(dir, 'x'));
  assert.equal(b.code, 2);
  assert.match(b.stderr, /unknown method\(s\) magic/);
  const c = run('bench', '--samples', '0', '--out', join(dir, 'x'));
  assert.equal(c.code, 2);
  const d = run('bench', '--model', join(dir, 'missing.json'), '--out', join(dir, 'x'));
  assert.equal(d.code, 2);
  assert.match(d.stderr, /cannot read model card/);
  assert.ok(!existsSync(join(dir, 'x', 'results.json')));
});

test('bench --list-methods names every method', () => {
  const r = run('bench', '--list-methods');
  assert.equal(r.code, 0, r.stderr);
  for (const id of ['default', 'euler', 'nfe2', 'cfg-zero', 'restart', 'freeinit', 'bo4-oracle', 'bo4-frame', 'pnp', 'pnp-k5-nomask', 'pnp-tau0.15', 'window-100', 'adaptive']) {
    assert.match(r.stdout, new RegExp(`^${id.replace('.', '\\.')} `, 'm'));
  }
  const t = run('bench', '--suite', 'tune', '--list-methods');
  assert.equal(t.code, 0, t.stderr);
  for (const id of ['default', 'solver-euler', 'steps-10', 'shift-1', 'cfg-1', 'pnp-1-6x2-tau0.25']) assert.match(t.stdout, new RegExp(`^${id.replace('.', '\\.')} `, 'm'));
  assert.doesNotMatch(t.stdout, /^bo4-oracle /m, 'the tuning sweep has no verifier methods');
});

test('bench --suite quick on the shipped model (one sample, two methods): results, then a cached identical rerun', { skip: !existsSync(CARD) && 'models/physics/card.json is not there yet' }, () => {
  const out = join(dir, 'quick');
  const args = ['bench', '--suite', 'quick', '--samples', '1', '--methods', 'pnp', '--tasks', 't2v', '--reference', '16', '--resamples', '50', '--no-progress', '--json', '--out', out];
  const a = run(...args);
  assert.equal(a.code, 0, a.stderr);
  const summary = JSON.parse(a.stdout) as { jobsRun: number; jobsCached: number; files: string[] };
  assert.equal(summary.jobsRun, 2);
  assert.ok(summary.files.includes('results.md') && summary.files.includes('grid-t2v.gif') && summary.files.includes('masks/t2v-pnp.png'));
  const first = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
  assert.equal(first.cells.t2v.default.nfe, plannedNfe({ ...PHYSICS_DEFAULTS, refine: { mode: 'none' } }));
  const b = run(...args);
  assert.equal(b.code, 0, b.stderr);
  assert.equal((JSON.parse(b.stdout) as { jobsCached: number }).jobsCached, 2);
  const second = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
  assert.deepEqual(deterministicPart(second), deterministicPart(first));
});
