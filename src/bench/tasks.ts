// Benchmark tasks: text-to-video from the scenario prompts, and image-to-video from the first 1 or 2
// frames of a true clip whose continuation is known.
import { UsageError } from '../errors.js';
import type { WorldConfig } from '../world/config.js';
import type { ClipInfo } from '../world/dataset/schema.js';
import { clipInfoFromTruth } from '../world/dataset/truth.js';
import { renderClip } from '../world/render.js';
import { hashSeed } from '../world/rng.js';
import { simulateClip } from '../world/scenarios.js';

export interface TaskSpec {
  readonly id: string;
  readonly label: string;
  /** Frames given to the generator (0: text-to-video). */
  readonly givenFrames: number;
}

export const TASKS: readonly TaskSpec[] = [
  { id: 't2v', label: 'text-to-video', givenFrames: 0 },
  { id: 'i2v-1', label: 'image-to-video, 1 given frame', givenFrames: 1 },
  { id: 'i2v-2', label: 'image-to-video, 2 given frames', givenFrames: 2 },
];

/** Seeds of the benchmark: every method sees the same (task, index) → (scenario, noise seed, true clip). */
export const BENCH_SEED = 20260701;
const TRUTH_STREAM = 0x7e57;

export function getTask(id: string): TaskSpec {
  const t = TASKS.find((x) => x.id === id);
  if (t === undefined) throw new UsageError(`unknown task '${id}'; available: ${TASKS.map((x) => x.id).join(', ')}`);
  return t;
}

export interface TaskCondition {
  readonly scenario: string;
  /** Noise seed of the sample (candidate 0 of best-of-N). */
  readonly seed: number;
  /** What the metrics know about the clip (true states for image-to-video). */
  readonly info: ClipInfo;
  /** Image-to-video: the given frames, pixels in [−1, 1], [3, N, H, W]. */
  readonly given?: { readonly pixels: Float32Array; readonly frames: number };
  /** Image-to-video: the whole true clip, uint8 [3, F, H, W] (for the GIF grid). */
  readonly truth?: Uint8Array;
}

/** Index of a task in TASKS (part of every seed, so tasks never share noise). */
function taskNumber(task: TaskSpec): number {
  const i = TASKS.findIndex((t) => t.id === task.id);
  return i < 0 ? 99 : i;
}

/** The condition of sample `index` of a task. Scenarios cycle through `scenarios` (the model's vocabulary order). */
export function taskCondition(task: TaskSpec, index: number, scenarios: readonly string[], world: WorldConfig): TaskCondition {
  if (scenarios.length === 0) throw new UsageError('the model knows no scenarios');
  const scenario = scenarios[index % scenarios.length];
  const seed = hashSeed(BENCH_SEED, taskNumber(task), index);
  if (task.givenFrames === 0) return { scenario, seed, info: { scenario, givenFrames: 0 } };
  const truth = simulateClip(scenario, hashSeed(BENCH_SEED, TRUTH_STREAM, taskNumber(task), index), world);
  const video = renderClip(truth);
  const { frames: F, height: H, width: W } = world;
  const n = task.givenFrames;
  const px = H * W;
  const pixels = new Float32Array(3 * n * px);
  for (let c = 0; c < 3; c++) {
    for (let f = 0; f < n; f++) {
      const src = (c * F + f) * px;
      const dst = (c * n + f) * px;
      for (let i = 0; i < px; i++) pixels[dst + i] = video[src + i] / 127.5 - 1;
    }
  }
  return { scenario, seed, info: clipInfoFromTruth(truth, n), given: { pixels, frames: n }, truth: video };
}
