// The benchmark's pieces: methods derived from the default configuration, the per-clip score, the
// per-frame verifier, task conditions, the cache record format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchMethods, methodPlannedNfe, selectMethods, tuningMethods } from '../../src/bench/methods.js';
import { compareClips, oracleScore, perFrameScore } from '../../src/bench/verifiers.js';
import { getTask, taskCondition } from '../../src/bench/tasks.js';
import { decodeRecord, encodeRecord, makeJob, type JobRecord } from '../../src/bench/jobs.js';
import { PHYSICS_DEFAULTS, type SamplerConfig } from '../../src/pipeline/config.js';
import { plannedNfe } from '../../src/pipeline/run.js';
import { Tracker, clipView } from '../../src/eval/track.js';
import { makeWorld, PALETTE } from '../../src/world/config.js';
import { renderClip } from '../../src/world/render.js';
import { SCENARIOS, simulateClip } from '../../src/world/scenarios.js';
import { UsageError } from '../../src/errors.js';

const world = makeWorld();
const defaults: SamplerConfig = { solver: 'unipc', steps: 20, grid: { kind: 'flow', shift: 3 }, guidance: { form: 'wan', scale: 3 }, refine: { mode: 'pnp', plan: '1-6:2', tau: 0.25, earlyExit: true } };

test('methods follow the default configuration: window, K, τ, matched-NFE baselines', () => {
  const ms = benchMethods(defaults);
  const by = (id: string) => ms.find((m) => m.id === id)!;
  assert.equal(by('default').config.refine.mode, 'none');
  assert.equal(by('default').config.solver, 'unipc');
  assert.equal(by('euler').config.solver, 'euler');
  assert.equal(by('nfe2').config.steps, 40);
  assert.deepEqual(by('pnp').config.refine, defaults.refine);
  assert.deepEqual(by('pnp-k5-nomask').config.refine, { mode: 'pnp', plan: '1-6:5', tau: 0, earlyExit: true });
  assert.deepEqual(by('pnp-tau0.15').config.refine, { mode: 'pnp', plan: '1-6:2', tau: 0.15, earlyExit: true });
  assert.equal(ms.find((m) => m.id === 'pnp-tau0.25'), undefined, 'τ 0.25 with the default plan is the default P&P itself');
  assert.equal((by('window-35').config.refine as { plan: string }).plan, '0-6:2');
  assert.equal((by('window-100').config.refine as { plan: string }).plan, '0-19:2');
  assert.deepEqual(by('adaptive').config.refine, { mode: 'adaptive', plan: '1-6:5', tau: 0.25, stopBelow: 0.05 });
  assert.equal(by('cfg-zero').config.guidance.zeroStar?.zeroInitSteps, 1);
  // Restart and FreeInit spend what P&P plans to spend (within one evaluation).
  const pnp = plannedNfe(by('pnp').config);
  assert.ok(Math.abs(plannedNfe(by('restart').config) - pnp) <= 1, `restart ${plannedNfe(by('restart').config)} vs ${pnp}`);
  assert.ok(Math.abs(plannedNfe(by('freeinit').config) - pnp) <= 1, `freeinit ${plannedNfe(by('freeinit').config)} vs ${pnp}`);
  assert.equal(methodPlannedNfe(by('bo4-oracle')), 80);
  // Read at run time: the shipped defaults give a valid method list too.
  assert.ok(benchMethods(PHYSICS_DEFAULTS).length >= 18);
  assert.deepEqual(selectMethods(ms, ['pnp']).map((m) => m.id), ['default', 'pnp']);
  assert.throws(() => selectMethods(ms, ['pnp', 'x']), UsageError);
});

test('the tuning sweep changes one setting at a time from the default sampler', () => {
  const ms = tuningMethods(defaults);
  assert.equal(new Set(ms.map((m) => m.id)).size, ms.length, 'ids are unique');
  const plain = ms[0].config;
  assert.equal(ms[0].id, 'default');
  assert.equal(plain.refine.mode, 'none');
  const differences = (c: SamplerConfig): string[] =>
    (['solver', 'steps', 'grid', 'guidance', 'refine'] as const).filter((k) => JSON.stringify(c[k]) !== JSON.stringify(plain[k]));
  for (const m of ms.slice(1)) assert.equal(differences(m.config).length, 1, `${m.id} changes ${differences(m.config).join(', ')}`);
  const by = (id: string) => ms.find((m) => m.id === id)!;
  assert.equal(by('steps-10').config.steps, 10);
  assert.equal(methodPlannedNfe(by('solver-heun')), 2 * plain.steps - 1, 'Heun: two evaluations per step, one into σ = 0');
  assert.deepEqual(by('shift-8').config.grid, { kind: 'flow', shift: 8 });
  assert.equal(by('cfg-1').config.guidance.scale, 1);
  assert.deepEqual(by('pnp-1-6x3-tau0.25').config.refine, { mode: 'pnp', plan: '1-6:3', tau: 0.25, earlyExit: true });
  assert.equal(ms.find((m) => m.id === 'steps-20'), undefined, 'the default value is not repeated');

  // a default whose scale changes at a timestep: every CFG variant is a constant scale, its low scale among them
  const scheduled = tuningMethods({ ...defaults, guidance: { form: 'wan', scale: 6, cfgSchedule: { lowScale: 3, boundary: 600 } } });
  const cfg = scheduled.filter((m) => m.id.startsWith('cfg-'));
  assert.deepEqual(cfg.map((m) => m.id), ['cfg-1', 'cfg-2', 'cfg-4.5', 'cfg-3']);
  for (const m of cfg) assert.equal(m.config.guidance.cfgSchedule, undefined, `${m.id} is a constant scale`);
  assert.match(scheduled[0].label, /CFG 6 from timestep 600, 3 below \(default\)/);
});

const clip = (o: Partial<Record<'valid' | 'violation' | 'scenarioMatch', boolean>> & { traj?: number; res?: number } = {}) => ({
  valid: o.valid ?? true,
  violation: o.violation ?? false,
  scenarioMatch: o.scenarioMatch ?? true,
  trajectoryErrorPx: o.traj ?? 0.5,
  lawResidualPx: o.res ?? 0.01,
});

test('the clip score is lexicographic and needs a clear margin on the continuous terms', () => {
  assert.equal(compareClips(clip(), clip({ violation: true }), false), 1);
  assert.equal(compareClips(clip({ valid: false, violation: true }), clip({ violation: true }), false), -1);
  assert.equal(compareClips(clip({ scenarioMatch: false }), clip(), false), -1);
  assert.equal(compareClips(clip({ res: 0.012 }), clip({ res: 0.015 }), false), 0, 'within one floor: a tie');
  assert.equal(compareClips(clip({ res: 0.012 }), clip({ res: 0.05 }), false), 1);
  assert.equal(compareClips(clip({ traj: 0.3 }), clip({ traj: 1.5, res: 0.001 }), true), 1, 'image-to-video: trajectory error first');
  assert.equal(compareClips(clip({ traj: 0.3 }), clip({ traj: 1.5, res: 0.001 }), false), 0);
  assert.equal(compareClips(clip({ res: NaN }), clip(), false), -1, 'no fit loses');
  // The oracle scalar orders the same way.
  const order = [clip({ valid: false, violation: true, scenarioMatch: false }), clip({ violation: true, scenarioMatch: false }), clip({ violation: true }), clip({ res: 0.05 }), clip({ res: 0.01 })];
  const scores = order.map((c) => oracleScore(c, false));
  for (let i = 1; i < scores.length; i++) assert.ok(scores[i] > scores[i - 1], `score ${i}`);
  assert.ok(oracleScore(clip({ traj: 0.2 }), true) > oracleScore(clip({ traj: 2 }), true));
});

test('the per-frame verifier passes true clips, fails damaged frames, and is blind to motion', () => {
  const tracker = new Tracker(world.frames, world.height, world.width);
  const palette = PALETTE.map((c) => c.rgb);
  const truth = simulateClip('two-collide', 3, world);
  const video = renderClip(truth);
  const score = (v: Uint8Array): number => perFrameScore(tracker.track(clipView(v, world)), 'two-collide', world, palette);
  assert.equal(score(video), 1);
  // Frames shuffled: the balls teleport, yet every frame on its own looks right.
  const F = world.frames;
  const px = world.height * world.width;
  const shuffled = new Uint8Array(video.length);
  const perm = Array.from({ length: F }, (_, f) => (f * 7) % F);
  for (let c = 0; c < 3; c++) for (let f = 0; f < F; f++) shuffled.set(video.subarray((c * F + perm[f]) * px, (c * F + perm[f] + 1) * px), (c * F + f) * px);
  assert.equal(score(shuffled), 1, 'teleporting balls pass every per-frame check');
  // A frame without its balls fails.
  const blanked = Uint8Array.from(video);
  for (let c = 0; c < 3; c++) blanked.fill(32, (c * F + 5) * px, (c * F + 6) * px);
  assert.ok(score(blanked) < 1);
  // A washed-out background fails.
  const washed = Uint8Array.from(video, (v) => Math.min(255, v + 40));
  assert.ok(score(washed) < score(video));
});

test('task conditions: the same (task, index) gives the same scenario, seed and true clip; tasks differ', () => {
  const names = SCENARIOS.map((s) => s.name);
  const t2v = getTask('t2v');
  const i2v = getTask('i2v-2');
  const a = taskCondition(i2v, 3, names, world);
  const b = taskCondition(i2v, 3, names, world);
  assert.equal(a.scenario, names[3]);
  assert.equal(a.seed, b.seed);
  assert.deepEqual(a.given?.pixels, b.given?.pixels);
  assert.equal(a.given?.frames, 2);
  assert.equal(a.info.givenFrames, 2);
  assert.ok(a.info.truth !== undefined);
  assert.equal(a.given?.pixels.length, 3 * 2 * world.height * world.width);
  const c = taskCondition(t2v, 3, names, world);
  assert.notEqual(c.seed, a.seed);
  assert.equal(c.given, undefined);
  assert.equal(c.info.truth, undefined);
  assert.throws(() => getTask('x'), UsageError);
});

test('job records keep non-finite numbers through JSON; fingerprints follow the model and configuration', () => {
  const rec = { format: 'f', key: 'k', task: 't2v', index: 0, configId: 'c', kind: 'sample', clips: [{ seed: 1, nfe: 2, nfeSaved: 0, metrics: { lawResidualPx: NaN, gFit: Infinity, x: -Infinity }, features: [[1.5, 0.1 + 0.2]], perFrame: 1, bg: [1, 2, 3], wallMs: 3 }] } as unknown as JobRecord;
  const back = decodeRecord(encodeRecord(rec));
  const m = back.clips[0].metrics as unknown as Record<string, number>;
  assert.ok(Number.isNaN(m.lawResidualPx));
  assert.equal(m.gFit, Infinity);
  assert.equal(m.x, -Infinity);
  assert.equal(back.clips[0].features[0][1], 0.1 + 0.2);
  const task = getTask('t2v');
  const condition = taskCondition(task, 0, ['drift'], world);
  const j = (config: SamplerConfig, model = 'm') => makeJob({ kind: 'sample', task, index: 0, condition, config, model, refining: false });
  assert.equal(j(defaults).key, j({ ...defaults }).key);
  assert.notEqual(j(defaults).key, j({ ...defaults, steps: 21 }).key);
  assert.notEqual(j(defaults).key, j(defaults, 'other').key);
  assert.equal(j(defaults).file, j({ ...defaults }).file);
});
