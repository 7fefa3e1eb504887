/**
 * Scenario match: the clip shows what its prompt asked — the same set of ball colours (a colour counts when its
 * ball is present in at least half of the frames), gravity on or off (fitted g within 25% of the world's g, or
 * below 25% of it), and the promised contacts (a bounce, a floor bounce, a collision, or nothing touching).
 */
import type { Scenario } from '../../world/scenarios.js';
import { isPresent, type Track } from '../track.js';
import type { LawFit } from './law.js';

export const GRAVITY_MATCH_TOL = 0.25;

export interface ScenarioMatch {
  match: boolean;
  colours: boolean;
  gravity: boolean;
  events: boolean;
  /** Palette indices seen in at least half of the frames. */
  seenColours: number[];
}

export function scenarioMatch(track: Track, sc: Scenario, law: LawFit, g: number): ScenarioMatch {
  const seen: number[] = [];
  for (let k = 0; k < track.colours; k++) {
    let n = 0;
    for (let t = 0; t < track.frames; t++) if (isPresent(track, t, k)) n++;
    if (2 * n >= track.frames) seen.push(k);
  }
  const want = [...sc.colours].sort((a, b) => a - b);
  const colours = seen.length === want.length && seen.every((k, i) => k === want[i]);
  const gravity = Number.isFinite(law.gFit) && Math.abs(law.gFit - (sc.gravity ? g : 0)) <= GRAVITY_MATCH_TOL * g;
  let events: boolean;
  switch (sc.expect) {
    case 'bounce':
      events = law.bounces.length > 0;
      break;
    case 'floor-bounce':
      events = law.bounces.some((b) => b.wall === 'floor');
      break;
    case 'collision':
      events = law.collisions.length > 0;
      break;
    case 'none':
      events = law.bounces.length === 0 && law.collisions.length === 0 && law.unexplained === 0;
      break;
    case 'any':
      events = true;
      break;
  }
  return { match: colours && gravity && events, colours, gravity, events, seenColours: seen };
}
