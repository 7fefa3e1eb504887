/**
 * Dataset format (export, generated sets, metrics):
 *
 *   DIR/clips.json   { format, world, count, shards: [{ file, clips }], clips: [entry, …] }   (a bare array of entries is accepted too)
 *   DIR/videos.npy   [N, 3, F, H, W]  uint8 0–255, or float32 in [−1, 1]   (or shards videos-00000.npy, … listed in clips.json)
 *
 * An entry has `scenario` (a name from the vocabulary); true clips add `states` ([F][B][x, y, vx, vy] in px and
 * px/frame, pixel centres at i + 0.5), `balls` ([{ colour, r }]) and `events`. A generated clip conditioned on the
 * first K frames of a true clip carries `givenFrames: K` and the true clip's `states`, so its frames K… can be
 * compared with the true continuation.
 */
import { z } from 'zod';
import type { WorldConfig } from '../config.js';

export const DATASET_FORMAT = 'selfrefine-world/1';

/** Video batch in [N, 3, F, H, W] layout: uint8 0–255 or float32 in [−1, 1]. */
export interface VideoBatch {
  data: Uint8Array | Float32Array;
  count: number;
  frames: number;
  height: number;
  width: number;
}

export interface TruthEvent {
  time: number;
  kind: 'wall' | 'ball';
  ball: number;
  /** Wall name for 'wall', other ball index for 'ball'. */
  other: string | number;
}

export interface ClipTruthInfo {
  /** [F, B, 4]: x, y, vx, vy (vx, vy NaN when the entry gave positions only). */
  states: Float64Array;
  balls: number;
  radius: number[];
  colours: number[];
  events?: TruthEvent[];
}

export interface ClipInfo {
  scenario: string;
  prompt?: string;
  seed?: number;
  /** Number of leading frames that were given to the generator (0: none). */
  givenFrames: number;
  truth?: ClipTruthInfo;
}

export interface Dataset {
  world: WorldConfig;
  clips: ClipInfo[];
  videos: VideoBatch;
}

const ballSchema = z.object({ colour: z.string(), r: z.number().positive() });
const eventSchema = z.object({ t: z.number(), kind: z.enum(['wall', 'ball']), ball: z.number().int().nonnegative(), other: z.union([z.string(), z.number()]) });
export const entrySchema = z.object({
  scenario: z.string(),
  prompt: z.string().optional(),
  seed: z.number().optional(),
  givenFrames: z.number().int().nonnegative().optional(),
  gravity: z.number().optional(),
  wallRestitution: z.number().optional(),
  balls: z.array(ballSchema).optional(),
  states: z.array(z.array(z.array(z.number()))).optional(),
  events: z.array(eventSchema).optional(),
});
export type ClipEntryJson = z.infer<typeof entrySchema>;

const worldSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  frames: z.number().int(),
  radiusRange: z.tuple([z.number(), z.number()]).optional(),
  background: z.tuple([z.number(), z.number(), z.number()]).optional(),
});
export const manifestSchema = z.object({
  format: z.string().optional(),
  world: worldSchema.optional(),
  count: z.number().int().nonnegative().optional(),
  shards: z.array(z.object({ file: z.string(), clips: z.number().int().nonnegative() })).optional(),
  clips: z.array(entrySchema),
});
export type ClipsJson = z.infer<typeof manifestSchema>;

export function zodMessage(err: z.ZodError): string {
  const first = err.issues[0];
  const path = first.path.length ? first.path.join('.') : '(root)';
  return `${path}: ${first.message}${err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problems)` : ''}`;
}
