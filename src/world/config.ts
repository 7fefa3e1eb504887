/** World configuration: frame geometry, palette, background and the physical constants derived from them. */
import { UsageError } from '../errors.js';

export type Rgb = readonly [number, number, number];

export interface ColourDef {
  readonly name: string;
  readonly rgb: Rgb;
}

/** The world's palette: pure primaries, linearly independent against the background, so pixels unmix exactly. */
export const PALETTE: readonly ColourDef[] = [
  { name: 'red', rgb: [255, 0, 0] },
  { name: 'green', rgb: [0, 255, 0] },
  { name: 'blue', rgb: [0, 0, 255] },
];

export const BACKGROUND: Rgb = [32, 32, 32];

/**
 * Physical constants in "world units": box height = 1, clip duration (frames − 1 intervals) = 1.
 * They are converted to pixels and frames by `physics(world)`, so a scenario looks the same at any size or frame count.
 */
export const GRAVITY_WORLD = 3.0; // box heights per duration²: free fall covers 1.5 box heights in one clip
export const RADIUS_RANGE_DEFAULT: readonly [number, number] = [0.085, 0.13]; // fraction of min(W, H)
export const WALL_RESTITUTION_RANGE: readonly [number, number] = [0.75, 0.95];
export const BALL_RESTITUTION = 1.0; // ball–ball collisions are elastic

export interface WorldConfig {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  /** Ball radius range as fractions of min(width, height). */
  readonly radiusRange: readonly [number, number];
  readonly background: Rgb;
}

export const DEFAULT_WORLD: WorldConfig = {
  width: 32,
  height: 32,
  frames: 16,
  radiusRange: RADIUS_RANGE_DEFAULT,
  background: BACKGROUND,
};

export interface WorldConfigInput {
  width?: number;
  height?: number;
  frames?: number;
  radiusRange?: readonly [number, number];
  background?: Rgb;
}

/** Fill defaults and validate (UsageError on bad values). */
export function makeWorld(input: WorldConfigInput = {}): WorldConfig {
  const w: WorldConfig = {
    width: input.width ?? DEFAULT_WORLD.width,
    height: input.height ?? DEFAULT_WORLD.height,
    frames: input.frames ?? DEFAULT_WORLD.frames,
    radiusRange: input.radiusRange ?? DEFAULT_WORLD.radiusRange,
    background: input.background ?? DEFAULT_WORLD.background,
  };
  const intIn = (v: number, lo: number, hi: number, name: string): void => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new UsageError(`${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  };
  intIn(w.width, 16, 1024, 'width');
  intIn(w.height, 16, 1024, 'height');
  intIn(w.frames, 4, 1024, 'frames');
  const [r0, r1] = w.radiusRange;
  if (!(r0 > 0.02 && r1 >= r0 && r1 <= 0.16)) {
    throw new UsageError(`radius range must satisfy 0.02 < min ≤ max ≤ 0.16 (fractions of the frame size), got [${r0}, ${r1}]`);
  }
  const bgSum = w.background[0] + w.background[1] + w.background[2];
  if (w.background.some((c) => !(c >= 0 && c <= 255)) || Math.abs(1 - bgSum / 255) < 0.3) {
    throw new UsageError(`background ${JSON.stringify(w.background)} must be in [0, 255] and away from the plane of the primaries (sum of channels not near 255)`);
  }
  return w;
}

export interface Physics {
  /** Gravity in px / frame² (y points down). */
  readonly g: number;
  /** Speed unit: min(W, H) per clip duration, in px / frame. */
  readonly speedUnit: number;
  readonly rMin: number;
  readonly rMax: number;
}

export function physics(world: WorldConfig): Physics {
  const T = world.frames - 1;
  const s = Math.min(world.width, world.height);
  return {
    g: (GRAVITY_WORLD * world.height) / (T * T),
    speedUnit: s / T,
    rMin: world.radiusRange[0] * s,
    rMax: world.radiusRange[1] * s,
  };
}

export function colourIndex(name: string): number {
  const i = PALETTE.findIndex((c) => c.name === name);
  if (i < 0) throw new UsageError(`unknown colour '${name}' (known: ${PALETTE.map((c) => c.name).join(', ')})`);
  return i;
}
