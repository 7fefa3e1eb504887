/** Writing datasets (format in schema.ts): simulated clips exported in shards, or an in-memory batch. */
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { encodeNpy, npyHeader } from '../../io/npy.js';
import { makeWorld, type WorldConfig } from '../config.js';
import { getScenario, SCENARIOS, simulateClip } from '../scenarios.js';
import { renderClip } from '../render.js';
import { DATASET_FORMAT, type ClipEntryJson, type ClipsJson, type VideoBatch } from './schema.js';
import { clipEntry, exportClipPlan } from './truth.js';

/** The `world` block of clips.json. */
function manifestWorld(w: WorldConfig): NonNullable<ClipsJson['world']> {
  return { width: w.width, height: w.height, frames: w.frames, radiusRange: [w.radiusRange[0], w.radiusRange[1]], background: [...w.background] };
}

export interface ExportOptions {
  clips: number;
  seed: number;
  world?: WorldConfig;
  /** Scenario names to cycle through (default: all, round-robin). */
  scenarios?: readonly string[];
  dtype?: 'uint8' | 'float32';
  /** Clips per .npy shard (default 4096). Datasets up to this size are a single videos.npy. */
  shardSize?: number;
  /** Record givenFrames in every entry (true clips standing in for a perfect conditioned generator). */
  givenFrames?: number;
}

export interface ExportResult {
  clips: number;
  shards: string[];
  seconds: number;
}

export function exportDataset(dir: string, opts: ExportOptions): ExportResult {
  const t0 = performance.now();
  const world = opts.world ?? makeWorld();
  if (!Number.isInteger(opts.clips) || opts.clips < 1) throw new UsageError(`--clips must be a positive integer, got ${opts.clips}`);
  if (!Number.isSafeInteger(opts.seed)) throw new UsageError(`--seed must be an integer, got ${opts.seed}`);
  const names = opts.scenarios ?? SCENARIOS.map((s) => s.name);
  if (names.length === 0) throw new UsageError('no scenarios selected');
  for (const n of names) getScenario(n);
  const shardSize = opts.shardSize ?? 4096;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new UsageError(`shard size must be a positive integer, got ${shardSize}`);
  if (opts.givenFrames !== undefined && (!Number.isInteger(opts.givenFrames) || opts.givenFrames < 0 || opts.givenFrames > world.frames)) {
    throw new UsageError(`givenFrames must be an integer in [0, ${world.frames}]`);
  }
  const dtype = opts.dtype ?? 'uint8';
  const nShards = Math.ceil(opts.clips / shardSize);
  const entries: ClipEntryJson[] = [];
  const shards: { file: string; clips: number }[] = [];
  const per = 3 * world.frames * world.height * world.width;
  // One buffer reused across shards; rendered straight into the .npy body (no copies).
  const maxCount = Math.min(shardSize, opts.clips);
  const maxHeader = npyHeader([maxCount, 3, world.frames, world.height, world.width], dtype).length + 64;
  const bytesPer = dtype === 'uint8' ? 1 : 4;
  const fileBuf = new ArrayBuffer(maxHeader + maxCount * per * bytesPer);
  const pixels = dtype === 'uint8' ? null : new Uint8Array(maxCount * per);
  for (let s = 0; s < nShards; s++) {
    const start = s * shardSize;
    const count = Math.min(shardSize, opts.clips - start);
    const header = npyHeader([count, 3, world.frames, world.height, world.width], dtype);
    const out = new Uint8Array(fileBuf, 0, header.length + count * per * bytesPer);
    out.set(header, 0);
    const target = pixels ?? new Uint8Array(fileBuf, header.length, count * per);
    for (let k = 0; k < count; k++) {
      const plan = exportClipPlan(start + k, opts.seed, names);
      const truth = simulateClip(plan.scenario, plan.seed, world);
      renderClip(truth, target, k * per);
      entries.push(clipEntry(truth, { givenFrames: opts.givenFrames }));
    }
    if (pixels !== null) {
      const f = new Float32Array(fileBuf, header.length, count * per);
      for (let i = 0; i < f.length; i++) f[i] = pixels[i] / 127.5 - 1;
    }
    const file = nShards === 1 ? 'videos.npy' : `videos-${String(s).padStart(5, '0')}.npy`;
    writeFileAtomic(join(dir, file), out);
    shards.push({ file, clips: count });
  }
  const manifest: ClipsJson = {
    format: DATASET_FORMAT,
    world: manifestWorld(world),
    count: opts.clips,
    shards,
    clips: entries,
  };
  // clips.json last: its presence means the dataset is complete.
  writeFileAtomic(join(dir, 'clips.json'), JSON.stringify(manifest));
  return { clips: opts.clips, shards: shards.map((s) => s.file), seconds: (performance.now() - t0) / 1000 };
}

/** Write an in-memory dataset (e.g. generated videos) in the same format. */
export function writeDataset(dir: string, videos: VideoBatch, entries: ClipEntryJson[], world?: WorldConfig): void {
  if (entries.length !== videos.count) throw new UsageError(`${entries.length} entries for ${videos.count} videos`);
  const shape = [videos.count, 3, videos.frames, videos.height, videos.width];
  writeFileAtomic(join(dir, 'videos.npy'), encodeNpy(videos.data, shape, videos.data instanceof Uint8Array ? 'uint8' : 'float32'));
  const w = world ?? makeWorld({ width: videos.width, height: videos.height, frames: videos.frames });
  const manifest: ClipsJson = {
    format: DATASET_FORMAT,
    world: manifestWorld(w),
    count: videos.count,
    shards: [{ file: 'videos.npy', clips: videos.count }],
    clips: entries,
  };
  writeFileAtomic(join(dir, 'clips.json'), JSON.stringify(manifest));
}
