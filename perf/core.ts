// npm run bench:core [-- --json] [-- --shape 16,21,60,104] [-- --iterations 12] [-- --model-ms 40]
// What the sampler itself spends per Predict-and-Perturb inner iteration on a Wan2.1 480×832×81 latent
// [16, 21, 60, 104] (2.1M values), measured through the real sample() with a velocity stub that returns at once and
// leaves the velocity at zero: no position ever becomes certain, so every iteration does the whole work (one latent of
// fresh noise, the uncertainty over every position, the mask, the Euler fusion and the next Perturb). Each figure is
// the median over 5 pairs of runs of (refined run − plain run) / K, K = --iterations: a refined run's one-off costs
// (its kernel arena, first touches of its buffers) are spread over K. Wall-clock milliseconds; the machine's other
// load moves them, so compare against a baseline run in the same minutes.
//   pnpIterationMs          Euler: all of the sampler's work per iteration (the stub costs nothing)
//   pnpIterationUniPCMs     the same with UniPC (its fusion runs the JavaScript loop)
//   pnpIterationCriticalMs  what the sampler adds to the model's time per iteration when the model runs
//                           asynchronously (worker thread or GPU) for --model-ms: the next Perturb's noise is drawn
//                           while the model runs, so it drops out
//   noiseMs                 one latent of noise alone (NormalRng.fill into a kernel arena), median of 10
//   memcpyMs                one copy of the same latent (Float32Array.set), median of 30: the memory floor
import { sample } from '../src/core/sample.js';
import type { GuidedVelocity } from '../src/core/guidance.js';
import { KernelArena } from '../src/core/kernels.js';
import { NormalRng } from '../src/core/rng.js';
import { explicitGrid } from '../src/core/schedules.js';
import type { LatentShape } from '../src/core/tensor.js';
import type { SolverName } from '../src/core/solvers.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const json = args.includes('--json');
const shape = (flag('--shape') ?? '16,21,60,104').split(',').map(Number) as unknown as LatentShape;
const K = Number(flag('--iterations') ?? '12');
const modelMs = Number(flag('--model-ms') ?? '40');
const size = shape.reduce((a, b) => a * b, 1);

/** A velocity "model" that leaves `out` as it is; with latencyMs > 0 it answers asynchronously after that time. */
function stubModel(latencyMs = 0): GuidedVelocity {
  return {
    shape,
    timestep: (sigma) => sigma,
    async evaluate() {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return 1;
    },
  };
}

const grid = explicitGrid([0.9, 0.85]);
const init = new Float32Array(size);
new NormalRng(1).fill(init);

async function timeRun(solver: SolverName, k: number, latencyMs = 0): Promise<number> {
  const plan = k > 0 ? new Map([[0, k]]) : new Map<number, number>();
  const t0 = process.hrtime.bigint();
  await sample(solver, stubModel(latencyMs), init, grid, { refine: { plan, tau: 0.25, noise: new NormalRng(2), stopWhenUncertainBelow: 0 } });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Per inner iteration: (refined run − plain run) / K, minus the model's own latency. */
async function perIteration(solver: SolverName, latencyMs = 0): Promise<number> {
  await timeRun(solver, K, latencyMs); // warm-up (JIT)
  const per: number[] = [];
  for (let r = 0; r < 5; r++) {
    const plain = await timeRun(solver, 0, latencyMs);
    const refined = await timeRun(solver, K, latencyMs);
    per.push((refined - plain) / K - latencyMs);
  }
  return median(per);
}

/** Median wall time (ms) of `reps` calls of `fn`, after one warm-up call. */
function medianMs(fn: () => void, reps: number): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

function memcpyMs(): number {
  const src = Float32Array.from(init);
  const dst = new Float32Array(size);
  return medianMs(() => dst.set(src), 30);
}

/** One latent of fresh noise, drawn as the sampler draws it: into its kernel arena where WebAssembly is available. */
function noiseMs(): number {
  const rng = new NormalRng(3);
  const out = KernelArena.create(KernelArena.footprint(size))?.float32(size) ?? new Float32Array(size);
  return medianMs(() => rng.fill(out), 10);
}

const pnpIterationMs = await perIteration('euler');
const pnpIterationUniPCMs = await perIteration('unipc');
const pnpIterationCriticalMs = await perIteration('euler', modelMs);
const result = {
  shape,
  pnpIterationMs: Number(pnpIterationMs.toFixed(3)),
  pnpIterationUniPCMs: Number(pnpIterationUniPCMs.toFixed(3)),
  pnpIterationCriticalMs: Number(pnpIterationCriticalMs.toFixed(3)),
  modelMs,
  noiseMs: Number(noiseMs().toFixed(3)),
  memcpyMs: Number(memcpyMs().toFixed(3)),
};
if (json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.stdout.write(
    `latent [${shape.join(', ')}] (${(size / 1e6).toFixed(2)}M floats)\n` +
      `P&P inner iteration, sampler side (Euler): ${result.pnpIterationMs} ms\n` +
      `P&P inner iteration, sampler side (UniPC): ${result.pnpIterationUniPCMs} ms\n` +
      `  of which fresh noise (ziggurat):          ${result.noiseMs} ms\n` +
      `added to an asynchronous ${modelMs} ms model (Euler): ${result.pnpIterationCriticalMs} ms (noise drawn while the model runs)\n` +
      `memcpy of the same latent:                  ${result.memcpyMs} ms\n`,
  );
}
