// The benchmark end to end on a mock model: structure of the outputs, determinism, caching and resumption.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runBench, deterministicPart, type BenchResults, type BenchOptions } from '../../src/bench/bench.js';
import { PHYSICS_DEFAULTS, type SamplerConfig } from '../../src/pipeline/config.js';
import { plannedNfe } from '../../src/pipeline/run.js';
import { mockLoader } from './mock.js';
import { scratchDir } from '../helpers/scratch.js';
import { markItems, markNames, parseSvg } from '../helpers/svg.js';

const root = scratchDir('bench');
const METHODS = ['pnp', 'pnp-k2-nomask', 'nfe2', 'bo4-oracle', 'bo4-frame'];
const DEFAULTS: SamplerConfig = { ...PHYSICS_DEFAULTS, steps: 8, refine: { mode: 'pnp', plan: '1-2:2', tau: 0.25, earlyExit: true } };

function options(out: string, extra: Partial<BenchOptions> = {}): BenchOptions {
  const loader = mockLoader();
  return {
    suite: 'quick',
    out,
    samples: 3,
    methods: METHODS,
    tasks: ['t2v', 'i2v-2'],
    workers: 2,
    referenceClips: 24,
    resamples: 60,
    progress: false,
    defaults: DEFAULTS,
    loadModel: (threads) => loader.load(threads),
    ...extra,
  };
}

function cacheFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.json') && !e.startsWith('.')) out.push(p);
    }
  };
  walk(join(dir, 'cache'));
  return out.sort();
}

const readResults = (dir: string): BenchResults => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as BenchResults;
const stable = (r: BenchResults): string => JSON.stringify(deterministicPart(r));

test('bench writes results.json, results.md, plots, GIF grids and mask pictures with every cell filled', async () => {
  const out = join(root, 'a');
  const loader = mockLoader();
  const { results, files } = await runBench({ ...options(out), loadModel: (t) => loader.load(t) });
  assert.equal(loader.open, 0, 'every model is disposed');
  assert.equal(loader.loaded, 2, 'two lanes, two models');
  for (const f of ['results.json', 'results.md', 'quality-vs-nfe.svg', 'grid-t2v.gif', 'grid-i2v-2.gif', 'masks/t2v-pnp.png', 'masks/i2v-2-pnp-k2-nomask.png']) {
    assert.ok(existsSync(join(out, f)), `${f} written`);
    assert.ok(files.includes(f), `${f} listed`);
  }
  assert.equal(readFileSync(join(out, 'grid-t2v.gif')).subarray(0, 6).toString(), 'GIF89a');
  const svgText = readFileSync(join(out, 'quality-vs-nfe.svg'), 'utf8');
  assert.match(svgText, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const r = readResults(out);
  // The plot parses as XML and its validity panel (the first) has one point per method, coloured by family.
  const svg = parseSvg(svgText);
  const validityPoints = markItems(svg, 'mark-symbol', markNames(svg, 'mark-symbol')[0]);
  assert.equal(validityPoints.length, r.methods.length);
  assert.equal(new Set(validityPoints.map((p) => p.getAttribute('fill'))).size, 4, 'default, P&P, more NFE, best-of-4');
  assert.equal(r.format, 'selfrefine-bench/1');
  assert.deepEqual(r.methods.map((m) => m.id), ['default', 'nfe2', 'bo4-oracle', 'bo4-frame', 'pnp', 'pnp-k2-nomask']);
  assert.deepEqual(Object.keys(r.cells).sort(), ['all', 'i2v-2', 't2v']);
  const plain = plannedNfe({ ...DEFAULTS, refine: { mode: 'none' } });
  for (const key of ['t2v', 'i2v-2', 'all']) {
    const cells = r.cells[key];
    assert.equal(cells.default.n, key === 'all' ? 6 : 3);
    assert.equal(cells.default.nfe, plain);
    assert.equal(cells.nfe2.nfe, 2 * plain);
    assert.equal(cells['bo4-oracle'].nfe, 4 * plain, 'best-of-4 pays for four candidates');
    assert.ok(cells.pnp.nfe > plain && cells.pnp.nfe <= plain + 4);
    for (const m of r.methods) {
      const c = cells[m.id];
      for (const k of ['validity', 'violationRate', 'lawResidualPx', 'scenarioMatch', 'flicker', 'motionSmoothness', 'dynamicDegree', 'bgShift', 'perFrame']) {
        assert.ok(c.metrics[k].n > 0, `${key}/${m.id}/${k} has values`);
        assert.ok(c.metrics[k].lo <= c.metrics[k].mean && c.metrics[k].mean <= c.metrics[k].hi, `${key}/${m.id}/${k} interval holds its mean`);
      }
      assert.equal(c.vsDefault.wins + c.vsDefault.ties + c.vsDefault.losses, c.n);
      assert.ok(c.set !== null && Number.isFinite(c.set.frechet.mean), 'Fréchet trajectory distance');
      // Wall time in whole ms per sample, and its ratio to the default's consistent with it up to that rounding.
      const t = r.timing.cells[key][m.id];
      const defaultMs = r.timing.cells[key].default.wallMsPerSample;
      assert.ok(Number.isInteger(t.wallMsPerSample), `${key}/${m.id} wall time ${t.wallMsPerSample}`);
      assert.ok(Math.abs(t.relativeToDefault * defaultMs - t.wallMsPerSample) <= 1 + 0.5 * t.relativeToDefault + 0.001 * defaultMs, `${key}/${m.id} ratio ${t.relativeToDefault}`);
    }
    // Both best-of-4 methods are timed on the same candidates: the default's sample plus the same three draws.
    assert.equal(r.timing.cells[key]['bo4-frame'].wallMsPerSample, r.timing.cells[key]['bo4-oracle'].wallMsPerSample);
    assert.ok(r.timing.cells[key]['bo4-oracle'].wallMsPerSample >= r.timing.cells[key].default.wallMsPerSample);
    // The default against itself: all ties, no background shift.
    assert.equal(cells.default.vsDefault.ties, cells.default.n);
    assert.equal(cells.default.metrics.bgShift.mean, 0);
    assert.equal(r.timing.cells[key].default.relativeToDefault, 1);
  }
  // Image-to-video cells measure the trajectory error; text-to-video ones cannot.
  assert.ok(r.cells['i2v-2'].default.metrics.trajectoryErrorPx.n === 3);
  assert.equal(r.cells.t2v.default.metrics.trajectoryErrorPx.n, 0);
  // The oracle verifier never does worse than the default it includes as candidate 0.
  assert.equal(r.cells.all['bo4-oracle'].vsDefault.losses, 0);
  assert.equal(r.reference.t2v.n, 24);
  const md = readFileSync(join(out, 'results.md'), 'utf8');
  assert.match(md, /## Headline/);
  assert.match(md, /best-of-4, per-frame appearance verifier/);
  assert.match(md, /true clips \(floor/);
  assert.equal(results.timing.jobsRun, results.timing.jobs);
  // Jobs: per task and sample one per distinct configuration (default, nfe2, pnp, pnp-k2-nomask) + the best-of-4 draws.
  assert.equal(results.timing.jobs, 2 * 3 * 5);
  assert.equal(cacheFiles(out).length, 2 * 3 * 5);
});

test('a second run reuses every cached job and gives identical results; one lane gives the same numbers', async () => {
  const out = join(root, 'b');
  const first = (await runBench(options(out))).results;
  const loader = mockLoader();
  const second = (await runBench({ ...options(out), loadModel: (t) => loader.load(t) })).results;
  assert.equal(second.timing.jobsRun, 0);
  assert.equal(second.timing.jobsCached, first.timing.jobs);
  assert.equal(loader.loaded, 1, 'nothing to run: no second lane is started');
  assert.equal(stable(second), stable(first));
  assert.equal(stable(readResults(out)), stable(first));
  const single = (await runBench(options(join(root, 'c'), { workers: 1 }))).results;
  assert.equal(stable(single), stable(first));
});

test('an interrupted run resumes: missing or damaged job files are recomputed, the rest reused, results identical', async () => {
  const out = join(root, 'd');
  const first = (await runBench(options(out))).results;
  const files = cacheFiles(out);
  rmSync(files[0]);
  rmSync(files[5]);
  writeFileSync(files[9], readFileSync(files[9], 'utf8').slice(0, 100)); // a torn write
  rmSync(join(out, 'results.json'));
  const again = (await runBench(options(out))).results;
  assert.equal(again.timing.jobsRun, 3);
  assert.equal(again.timing.jobsCached, first.timing.jobs - 3);
  assert.equal(stable(again), stable(first));
});

test('a changed default configuration reruns only the jobs it changes', async () => {
  const out = join(root, 'e');
  const first = (await runBench(options(out, { methods: ['pnp'], tasks: ['t2v'], samples: 2 }))).results;
  assert.equal(first.timing.jobs, 4);
  const retuned: SamplerConfig = { ...DEFAULTS, refine: { mode: 'pnp', plan: '1-2:2', tau: 0.4, earlyExit: true } };
  const again = (await runBench(options(out, { methods: ['pnp'], tasks: ['t2v'], samples: 2, defaults: retuned }))).results;
  assert.equal(again.timing.jobsRun, 2, 'the P&P jobs; the default sampler is unchanged');
  const other = (await runBench(options(out, { methods: ['pnp'], tasks: ['t2v'], samples: 2, defaults: retuned, loadModel: mockLoader('mock-physics', 'b'.repeat(64)).load }))).results;
  assert.equal(other.timing.jobsRun, 4, 'another model invalidates everything');
});

test('--first-sample runs later samples with the seeds and conditions those samples have in a run from 0', async () => {
  const from0 = join(root, 'g0');
  const from2 = join(root, 'g2');
  await runBench(options(from0, { methods: ['pnp'], tasks: ['t2v'], samples: 3 }));
  const later = (await runBench(options(from2, { methods: ['pnp'], tasks: ['t2v'], samples: 1, firstSample: 2 }))).results;
  assert.equal(later.firstSample, 2);
  const files = cacheFiles(from2).map((f) => f.split('/').pop());
  assert.deepEqual([...new Set(files)], ['00002.json'], 'only sample 2 was run');
  const metricsOf = (dir: string, index: string): unknown[] => {
    const hit = cacheFiles(dir).filter((f) => f.endsWith(index)).sort();
    return hit.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { clips: { metrics: unknown }[] }).clips.map((c) => c.metrics));
  };
  assert.deepEqual(metricsOf(from2, '00002.json'), metricsOf(from0, '00002.json'));
  assert.notDeepEqual(metricsOf(from0, '00000.json'), metricsOf(from0, '00002.json'), 'samples 0 and 2 differ');
  assert.match(readFileSync(join(from2, 'results.md'), 'utf8'), /samples 2–2/);
});

test('bad options are usage errors before any model is loaded', async () => {
  const loader = mockLoader();
  const base = { ...options(join(root, 'f')), loadModel: (t: number) => loader.load(t) };
  await assert.rejects(runBench({ ...base, methods: ['pnp', 'nope'] }), /unknown method\(s\) nope/);
  await assert.rejects(runBench({ ...base, tasks: ['v2v'] }), /unknown task 'v2v'/);
  await assert.rejects(runBench({ ...base, samples: 0 }), /--samples must be a positive integer/);
  await assert.rejects(runBench({ ...base, firstSample: -1 }), /--first-sample must be a non-negative integer/);
  assert.equal(loader.loaded, 0);
});
