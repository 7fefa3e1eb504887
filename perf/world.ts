// Benchmarks of the physics world and its metrics (timing targets live here, never in tests).
//   npm run bench:world                    export speed, metrics time for 512 clips, full eval with 2048 reference clips
//   npm run bench:world -- --measure-floor re-measure the ground-truth floors stored in src/eval/floor.ts
//   npm run bench:world -- --jitter        how the metrics of true clips respond to centroid jitter, per scenario
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeWorld } from '../src/world/config.js';
import { corruptClip } from '../src/world/corrupt.js';
import { SCENARIOS, simulateClip } from '../src/world/scenarios.js';
import { clipMetrics } from '../src/eval/clip.js';
import { Tracker, clipView } from '../src/eval/track.js';
import { exportDataset } from '../src/world/dataset/export.js';
import { generateTrueClips, clipInfoFromTruth } from '../src/world/dataset/truth.js';
import { loadDataset } from '../src/world/dataset/load.js';
import { evaluateBatch, evaluateReference, evaluateVideos, DEFAULT_REFERENCE_SEED } from '../src/eval/evaluate.js';
import { setMetrics } from '../src/eval/metrics/set.js';
import { buildReport } from '../src/eval/report.js';
import { mean, quantile } from '../src/eval/stats.js';
import { LAW_RESIDUAL_FLOOR_PX, TRAJECTORY_FLOOR_PX, LAW_RESIDUAL_LIMIT_PX } from '../src/eval/floor.js';

const world = makeWorld();

function measureFloor(): void {
  const n = 4096;
  const { videos, truths } = generateTrueClips(n, 12345, world);
  const ev = evaluateBatch(videos, truths.map((t) => clipInfoFromTruth(t)), world);
  const law = ev.map((e) => e.metrics.lawResidualPx);
  const traj = ev.map((e) => e.metrics.trajectoryErrorPx);
  console.log(`true clips: ${n} (seed 12345, ${world.width}x${world.height}x${world.frames})`);
  console.log(`law residual: mean ${mean(law).toFixed(5)} px  p99 ${quantile(law, 0.99).toFixed(5)}  max ${Math.max(...law).toFixed(5)}   stored floor ${LAW_RESIDUAL_FLOOR_PX}`);
  console.log(`trajectory error: mean ${mean(traj).toFixed(5)} px   stored floor ${TRAJECTORY_FLOOR_PX}`);
  console.log(`share above the violation limit ${LAW_RESIDUAL_LIMIT_PX.toFixed(4)} px: ${(law.filter((v) => v > LAW_RESIDUAL_LIMIT_PX).length / n).toFixed(4)}`);
  console.log(`violation rate ${(ev.filter((e) => e.metrics.violation).length / n).toFixed(4)}, scenario match ${(ev.filter((e) => e.metrics.scenarioMatch).length / n).toFixed(4)}`);
}

function bench(): void {
  const dir = mkdtempSync(join(tmpdir(), 'selfrefine-bench-'));
  try {
    // export speed
    const nExport = 8192;
    const res = exportDataset(join(dir, 'export'), { clips: nExport, seed: 1, world });
    console.log(`export: ${nExport} clips of ${world.frames}x${world.height}x${world.width} in ${res.seconds.toFixed(2)} s = ${(nExport / res.seconds).toFixed(0)} clips/s (target ≥ 2000)`);

    // metrics for 512 clips
    exportDataset(join(dir, 'set'), { clips: 512, seed: 2, world });
    const ds = loadDataset(join(dir, 'set'));
    const tRef0 = performance.now();
    const reference = evaluateReference(ds.clips, world, 2048, DEFAULT_REFERENCE_SEED);
    const refSeconds = (performance.now() - tRef0) / 1000;
    const t0 = performance.now();
    const gen = evaluateBatch(ds.videos, ds.clips, world);
    const set = setMetrics(gen.flatMap((e) => e.features), reference.flatMap((e) => e.features), gen.map((e) => e.metrics.bounces), reference.map((e) => e.metrics.bounces));
    const report = buildReport(gen.map((e) => e.metrics), reference.map((e) => e.metrics), set, null);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`metrics: 512 clips (per-clip metrics + set metrics vs 2048 reference clips + bootstrap report) in ${seconds.toFixed(2)} s (target < 5 s)`);
    console.log(`reference: 2048 fresh true clips simulated, rendered and measured in ${refSeconds.toFixed(2)} s`);
    const t1 = performance.now();
    const full = evaluateVideos(ds);
    console.log(`full eval (512 clips + 2048 reference, everything): ${((performance.now() - t1) / 1000).toFixed(2)} s`);
    console.log(`true clips: violation rate ${report.violationRate.toFixed(4)}, scenario match ${report.scenarioMatch.toFixed(4)}, law residual ${report.lawResidualPx.toFixed(4)} px, trajectory error ${report.trajectoryErrorPx.toFixed(4)} px; reference: violation ${full.report.metrics.violationRate.floor?.mean.toFixed(4)}, match ${full.report.metrics.scenarioMatch.floor?.mean.toFixed(4)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * True clips with Gaussian jitter on every ball centre: the law residual should follow the jitter, and the scenario
 * match should not collapse while the jitter is below what the model's samples show (law residual ≈ 0.3 px).
 */
function jitterSensitivity(): void {
  const levels = [0, 0.05, 0.1, 0.2, 0.3, 0.5];
  const perScenario = 64;
  const pct = (k: number, n: number): string => `${((100 * k) / n).toFixed(0)} %`.padStart(6);
  console.log(`true clips with centroid jitter, ${perScenario} clips per scenario (seeds 0..${perScenario - 1})`);
  console.log(`scenario        ${levels.map((l) => `σ=${l.toFixed(2)} px`.padStart(30)).join('')}`);
  console.log(`                ${levels.map(() => 'valid match grav  resid'.padStart(30)).join('')}`);
  const tracker = Tracker.forWorld(world);
  for (const sc of SCENARIOS) {
    const cells = levels.map((sd) => {
      let valid = 0, match = 0, gravity = 0, resid = 0;
      for (let seed = 0; seed < perScenario; seed++) {
        const truth = simulateClip(sc, seed, world);
        const video = corruptClip(truth, 'jitter', { jitter: sd, seed: 1000 + seed });
        const m = clipMetrics(clipView(video, world), clipInfoFromTruth(truth), world, tracker).metrics;
        valid += Number(m.valid);
        match += Number(m.scenarioMatch);
        gravity += Number(m.scenarioDetail.gravity);
        resid += m.lawResidualPx / perScenario;
      }
      return `${pct(valid, perScenario)}${pct(match, perScenario)}${pct(gravity, perScenario)}${resid.toFixed(3).padStart(7)}`.padStart(30);
    });
    console.log(`${sc.name.padEnd(16)}${cells.join('')}`);
  }
}

if (process.argv.includes('--measure-floor')) measureFloor();
else if (process.argv.includes('--jitter')) jitterSensitivity();
else bench();
