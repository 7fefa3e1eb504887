/** Loading and validating a dataset directory (format in schema.ts). Every problem with the input is a UsageError. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { readNpy, NpyError } from '../../io/npy.js';
import { colourIndex, makeWorld, type WorldConfig } from '../config.js';
import { getScenario, type Scenario } from '../scenarios.js';
import { manifestSchema, zodMessage, type ClipEntryJson, type ClipInfo, type Dataset, type VideoBatch } from './schema.js';

/** Turn a clips.json entry into ClipInfo, validating it against the world (UsageError on mismatch). */
export function parseClipEntry(e: ClipEntryJson, world: WorldConfig, where: string): ClipInfo {
  let sc: Scenario;
  try {
    sc = getScenario(e.scenario);
  } catch (err) {
    throw new UsageError(`${where}: ${(err as Error).message}`);
  }
  const given = e.givenFrames ?? 0;
  if (given > world.frames) throw new UsageError(`${where}: givenFrames ${given} exceeds the clip length ${world.frames}`);
  const info: ClipInfo = { scenario: sc.name, prompt: e.prompt, seed: e.seed, givenFrames: given };
  if (e.states !== undefined) {
    const B = sc.colours.length;
    if (e.states.length !== world.frames) throw new UsageError(`${where}: states has ${e.states.length} frames, the videos have ${world.frames}`);
    const states = new Float64Array(world.frames * B * 4);
    for (let t = 0; t < world.frames; t++) {
      const row: number[][] = e.states[t];
      if (row.length !== B) throw new UsageError(`${where}: states[${t}] has ${row.length} balls, scenario '${sc.name}' has ${B}`);
      for (let b = 0; b < B; b++) {
        const s = row[b];
        if (s.length !== 2 && s.length !== 4) throw new UsageError(`${where}: states[${t}][${b}] must be [x, y] or [x, y, vx, vy]`);
        const o = (t * B + b) * 4;
        states[o] = s[0];
        states[o + 1] = s[1];
        states[o + 2] = s.length === 4 ? s[2] : NaN;
        states[o + 3] = s.length === 4 ? s[3] : NaN;
      }
    }
    let radius: number[];
    let colours: number[];
    if (e.balls !== undefined) {
      if (e.balls.length !== B) throw new UsageError(`${where}: balls has ${e.balls.length} entries, scenario '${sc.name}' has ${B}`);
      radius = e.balls.map((b) => b.r);
      colours = e.balls.map((b) => {
        try {
          return colourIndex(b.colour);
        } catch (err) {
          throw new UsageError(`${where}: ${(err as Error).message}`);
        }
      });
    } else {
      radius = [];
      colours = [...sc.colours];
    }
    info.truth = {
      states,
      balls: B,
      radius,
      colours,
      events: e.events?.map((ev) => ({ time: ev.t, kind: ev.kind, ball: ev.ball, other: ev.other })),
    };
  } else if (given > 0) {
    throw new UsageError(`${where}: givenFrames is set but the entry has no true states to compare the continuation with`);
  }
  return info;
}

function readVideos(path: string): VideoBatch {
  if (!existsSync(path)) throw new UsageError(`missing ${path} (expected [N, 3, F, H, W] uint8 or float32 in [-1, 1])`);
  let arr;
  try {
    arr = readNpy(path);
  } catch (err) {
    if (err instanceof NpyError) throw new UsageError(err.message);
    throw err;
  }
  const s = arr.shape;
  if (s.length !== 5 || s[1] !== 3) {
    throw new UsageError(`${path}: shape [${s.join(', ')}] where [N, 3, F, H, W] was expected`);
  }
  let data: Uint8Array | Float32Array;
  if (arr.data instanceof Uint8Array) data = arr.data;
  else if (arr.data instanceof Float32Array) data = arr.data;
  else if (arr.data instanceof Float64Array) data = Float32Array.from(arr.data);
  else throw new UsageError(`${path}: dtype ${arr.dtype}; expected uint8 (0–255) or float32 in [-1, 1]`);
  if (s[2] < 3 || s[3] < 8 || s[4] < 8) throw new UsageError(`${path}: videos of ${s[2]} frames of ${s[4]}x${s[3]} are too small (need ≥ 3 frames of ≥ 8x8)`);
  return { data, count: s[0], frames: s[2], height: s[3], width: s[4] };
}

function concatBatches(parts: VideoBatch[], where: string): VideoBatch {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const uint8 = parts.every((p) => p.data instanceof Uint8Array);
  const total = parts.reduce((a, p) => a + p.count, 0);
  const per = 3 * first.frames * first.height * first.width;
  const data = uint8 ? new Uint8Array(total * per) : new Float32Array(total * per);
  let off = 0;
  for (const p of parts) {
    if (p.frames !== first.frames || p.height !== first.height || p.width !== first.width) {
      throw new UsageError(`${where}: shards disagree on the clip shape`);
    }
    if (uint8 || p.data instanceof Float32Array) data.set(p.data, off);
    else for (let i = 0; i < p.data.length; i++) data[off + i] = p.data[i] / 127.5 - 1;
    off += p.data.length;
  }
  return { data, count: total, frames: first.frames, height: first.height, width: first.width };
}

/** Load and validate a dataset directory. Every problem with the input is a UsageError. */
export function loadDataset(dir: string): Dataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: not a directory`);
  const clipsPath = join(dir, 'clips.json');
  if (!existsSync(clipsPath)) throw new UsageError(`missing ${clipsPath} (one entry per clip with at least 'scenario')`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(clipsPath, 'utf8'));
  } catch (err) {
    throw new UsageError(`${clipsPath}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(Array.isArray(raw) ? { clips: raw } : raw);
  if (!parsed.success) throw new UsageError(`${clipsPath}: ${zodMessage(parsed.error)}`);
  const manifest = parsed.data;
  const shards = manifest.shards ?? [{ file: 'videos.npy', clips: -1 }];
  const parts: VideoBatch[] = [];
  for (const sh of shards) {
    if (sh.file.includes('/') || sh.file.includes('\\') || sh.file.startsWith('..')) throw new UsageError(`${clipsPath}: bad shard file name '${sh.file}'`);
    const batch = readVideos(join(dir, sh.file));
    if (sh.clips >= 0 && batch.count !== sh.clips) throw new UsageError(`${join(dir, sh.file)}: holds ${batch.count} clips, clips.json says ${sh.clips}`);
    parts.push(batch);
  }
  const videos = concatBatches(parts, dir);
  if (videos.count !== manifest.clips.length) {
    throw new UsageError(`${clipsPath}: ${manifest.clips.length} entries, but the videos hold ${videos.count} clips`);
  }
  let world: WorldConfig;
  try {
    world = makeWorld({
      width: videos.width,
      height: videos.height,
      frames: videos.frames,
      radiusRange: manifest.world?.radiusRange,
      background: manifest.world?.background,
    });
  } catch (err) {
    throw new UsageError(`${clipsPath}: ${(err as Error).message}`);
  }
  if (manifest.world && (manifest.world.width !== videos.width || manifest.world.height !== videos.height || manifest.world.frames !== videos.frames)) {
    throw new UsageError(
      `${clipsPath}: world ${manifest.world.width}x${manifest.world.height}x${manifest.world.frames} (WxHxF) does not match the videos (${videos.width}x${videos.height}x${videos.frames})`,
    );
  }
  const clips = manifest.clips.map((e, i) => parseClipEntry(e, world, `${clipsPath}: clip ${i}`));
  return { world, clips, videos };
}
