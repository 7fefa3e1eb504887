import { makeWorld } from '../../src/world/config.js';
import { simulateClip, type ClipTruth } from '../../src/world/scenarios.js';
import type { ClipInfo } from '../../src/world/dataset/schema.js';
import { clipInfoFromTruth } from '../../src/world/dataset/truth.js';
import { renderClip } from '../../src/world/render.js';
import { clipMetrics, type ClipMetrics } from '../../src/eval/clip.js';
import { clipView } from '../../src/eval/track.js';

export const world = makeWorld();

export function metricsOf(video: Uint8Array | Float32Array, info: ClipInfo): ClipMetrics {
  return clipMetrics(clipView(video, world), info, world).metrics;
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
