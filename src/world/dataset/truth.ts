/**
 * Simulated clips as dataset entries: the clips.json entry and the in-memory ClipInfo of a ClipTruth, and the
 * plan that names the scenario and seed of every clip of an export.
 */
import { PALETTE, type WorldConfig } from '../config.js';
import { getScenario, SCENARIOS, simulateClip, type ClipTruth } from '../scenarios.js';
import { renderClip } from '../render.js';
import { hashSeed } from '../rng.js';
import { WALL_NAMES } from '../simulate.js';
import type { ClipEntryJson, ClipInfo, VideoBatch } from './schema.js';

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** The clips.json entry of a simulated clip. */
export function clipEntry(truth: ClipTruth, extra: { givenFrames?: number } = {}): ClipEntryJson {
  const sc = getScenario(truth.scenario);
  const n = truth.sim.balls;
  const st = truth.sim.states;
  const states: number[][][] = [];
  for (let t = 0; t < truth.sim.frames; t++) {
    const row: number[][] = [];
    for (let b = 0; b < n; b++) {
      const o = (t * n + b) * 4;
      row.push([round4(st[o]), round4(st[o + 1]), round4(st[o + 2]), round4(st[o + 3])]);
    }
    states.push(row);
  }
  const entry: ClipEntryJson = {
    scenario: sc.name,
    prompt: sc.prompt,
    seed: truth.seed,
    gravity: round4(truth.gravity),
    wallRestitution: round4(truth.wallRestitution),
    balls: truth.init.map((b) => ({ colour: PALETTE[b.colour].name, r: round4(b.r) })),
    states,
    events: truth.sim.events.map((e) => ({
      t: round4(e.time),
      kind: e.kind,
      ball: e.ball,
      other: e.kind === 'wall' ? WALL_NAMES[e.other] : e.other,
    })),
  };
  if (extra.givenFrames !== undefined) entry.givenFrames = extra.givenFrames;
  return entry;
}

/** In-memory ClipInfo of a simulated clip (no JSON round trip). */
export function clipInfoFromTruth(truth: ClipTruth, givenFrames = 0): ClipInfo {
  return {
    scenario: truth.scenario,
    prompt: getScenario(truth.scenario).prompt,
    seed: truth.seed,
    givenFrames,
    truth: {
      states: truth.sim.states,
      balls: truth.sim.balls,
      radius: truth.init.map((b) => b.r),
      colours: truth.init.map((b) => b.colour),
      events: truth.sim.events.map((e) => ({ time: e.time, kind: e.kind, ball: e.ball, other: e.kind === 'wall' ? WALL_NAMES[e.other] : e.other })),
    },
  };
}

/** The scenario and seed of clip i of an export: round-robin over scenarios, seed hashed from (seed, i). */
export function exportClipPlan(i: number, seed: number, scenarios: readonly string[]): { scenario: string; seed: number } {
  return { scenario: scenarios[i % scenarios.length], seed: hashSeed(seed, i) };
}

/** Simulate and render clips [start, start + count) of an export plan into memory (no files). */
export function generateTrueClips(
  count: number,
  seed: number,
  world: WorldConfig,
  scenarios: readonly string[] = SCENARIOS.map((s) => s.name),
  start = 0,
): { videos: VideoBatch & { data: Uint8Array }; truths: ClipTruth[] } {
  const per = 3 * world.frames * world.height * world.width;
  const data = new Uint8Array(count * per);
  const truths: ClipTruth[] = [];
  for (let k = 0; k < count; k++) {
    const plan = exportClipPlan(start + k, seed, scenarios);
    const truth = simulateClip(plan.scenario, plan.seed, world);
    renderClip(truth, data, k * per);
    truths.push(truth);
  }
  return { videos: { data, count, frames: world.frames, height: world.height, width: world.width }, truths };
}
