// `selfrefine world list | render | export`: the physics world's scenarios, clip previews and datasets.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { encodeGif } from '../io/gif.js';
import { makeWorld, type WorldConfig } from '../world/config.js';
import { SCENARIOS, getScenario, simulateClip } from '../world/scenarios.js';
import { renderClip } from '../world/render.js';
import { exportDataset } from '../world/dataset/export.js';
import { corruptClip, CORRUPTIONS, type CorruptionKind } from '../world/corrupt.js';
import { parseOptionalInteger } from './flags.js';

interface WorldFlags {
  frames?: string;
  width?: string;
  height?: string;
}

function worldFromFlags(f: WorldFlags): WorldConfig {
  return makeWorld({
    frames: parseOptionalInteger(f.frames, '--frames', 4, 1024),
    width: parseOptionalInteger(f.width, '--width', 16, 1024),
    height: parseOptionalInteger(f.height, '--height', 16, 1024),
  });
}

function addWorldOptions(cmd: Command): Command {
  return cmd
    .option('--frames <F>', 'frames per clip (default 16)')
    .option('--width <W>', 'frame width in px (default 32)')
    .option('--height <H>', 'frame height in px (default 32)');
}

export function registerWorldCommand(program: Command): void {
  const world = program.command('world').description('the physics world: scenarios, clip previews, datasets of true clips');

  world
    .command('list')
    .description('list the scenarios and their prompts')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }) => {
      if (flags.json === true) {
        const rows = SCENARIOS.map((s) => ({ name: s.name, prompt: s.prompt, balls: s.colours.length, gravity: s.gravity, expect: s.expect }));
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const w = Math.max(...SCENARIOS.map((s) => s.name.length));
      for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(w)}  ${s.prompt}\n`);
    });

  addWorldOptions(
    world
      .command('render')
      .description('render one clip of a scenario to an animated GIF')
      .requiredOption('--scenario <name>', 'scenario name (see `selfrefine world list`)')
      .option('--seed <n>', 'clip seed (default 0)')
      .requiredOption('--out <clip.gif>', 'output GIF')
      .option('--fps <n>', 'frames per second (default 8)')
      .option('--scale <n>', 'integer upscaling (default 8)')
      .option('--corrupt <kind>', `render a corrupted clip instead: ${CORRUPTIONS.join(', ')}`),
  ).action((flags: WorldFlags & { scenario: string; seed?: string; out: string; fps?: string; scale?: string; corrupt?: string }) => {
    const w = worldFromFlags(flags);
    const sc = getScenario(flags.scenario);
    const seed = parseOptionalInteger(flags.seed, '--seed', 0) ?? 0;
    const fps = parseOptionalInteger(flags.fps, '--fps', 1, 100) ?? 8;
    const scale = parseOptionalInteger(flags.scale, '--scale', 1, 64) ?? 8;
    if (flags.corrupt !== undefined && !(CORRUPTIONS as readonly string[]).includes(flags.corrupt)) {
      throw new UsageError(`unknown corruption '${flags.corrupt}' (known: ${CORRUPTIONS.join(', ')})`);
    }
    const truth = simulateClip(sc, seed, w);
    const video = flags.corrupt !== undefined ? corruptClip(truth, flags.corrupt as CorruptionKind) : renderClip(truth);
    writeFileAtomic(flags.out, encodeGif(video, { width: w.width, height: w.height, fps, scale, layout: 'cfhw' }));
    process.stdout.write(`${flags.out}: ${sc.name} seed ${seed}, ${w.frames} frames ${w.width}x${w.height}, ${truth.sim.events.length} contacts\n`);
  });

  addWorldOptions(
    world
      .command('export')
      .description('export a dataset of true clips: DIR/videos.npy [N,3,F,H,W] and DIR/clips.json')
      .requiredOption('--clips <N>', 'number of clips')
      .requiredOption('--seed <S>', 'dataset seed')
      .requiredOption('--out <DIR>', 'output directory')
      .option('--dtype <t>', 'uint8 (0–255, default) or float32 (in [-1, 1])')
      .option('--shard-size <n>', 'clips per .npy shard (default 4096)')
      .option('--scenarios <list>', 'comma-separated scenario names to cycle through (default: all)')
      .option('--given-frames <K>', 'record givenFrames K in every entry (true clips as a perfect K-frame-conditioned generator)'),
  ).action((flags: WorldFlags & { clips: string; seed: string; out: string; dtype?: string; shardSize?: string; scenarios?: string; givenFrames?: string }) => {
    const w = worldFromFlags(flags);
    if (flags.dtype !== undefined && flags.dtype !== 'uint8' && flags.dtype !== 'float32') throw new UsageError(`--dtype must be uint8 or float32, got '${flags.dtype}'`);
    const scenarios = flags.scenarios?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const res = exportDataset(flags.out, {
      clips: parseOptionalInteger(flags.clips, '--clips', 1) ?? 0,
      seed: parseOptionalInteger(flags.seed, '--seed', 0) ?? 0,
      world: w,
      dtype: flags.dtype as 'uint8' | 'float32' | undefined,
      shardSize: parseOptionalInteger(flags.shardSize, '--shard-size', 1),
      scenarios,
      givenFrames: parseOptionalInteger(flags.givenFrames, '--given-frames', 0, w.frames),
    });
    process.stdout.write(`${flags.out}: ${res.clips} clips in ${res.shards.join(', ')} (${(res.clips / res.seconds).toFixed(0)} clips/s)\n`);
  });
}
