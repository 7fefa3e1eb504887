import { makeWorld } from '../../src/world/config.js';
import { simulateClip, type ClipTruth } from '../../src/world/scenarios.js';
import { clipInfoFromTruth, type ClipInfo } from '../../src/world/dataset.js';
import { renderClip } from '../../src/world/render.js';
import { clipMetrics, type ClipMetrics } from '../../src/eval/clip.js';

export const world = makeWorld();

export function view(data: Uint8Array | Float32Array): { data: Uint8Array | Float32Array; offset: number; frames: number; height: number; width: number } {
  return { data, offset: 0, frames: world.frames, height: world.height, width: world.width };
}

export function metricsOf(video: Uint8Array | Float32Array, info: ClipInfo): ClipMetrics {
  return clipMetrics(view(video), info, world).metrics;
}

/** A true clip of the scenario with the first seed ≥ start that satisfies `ok`. */
export function findClip(scenario: string, ok: (t: ClipTruth) => boolean, start = 0): ClipTruth {
  for (let s = start; s < start + 500; s++) {
    const t = simulateClip(scenario, s, world);
    if (ok(t)) return t;
  }
  throw new Error(`no ${scenario} clip found`);
}

export function trueMetrics(t: ClipTruth): ClipMetrics {
  return metricsOf(renderClip(t), clipInfoFromTruth(t));
}
