// `selfrefine generate`: text/image-to-video with the shipped physics model.
import { join, dirname, basename, extname } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { writeFileAtomic } from '../io/atomic.js';
import { gifBytes, readPngPixels, stepMaskPicture, videoFromPixels, writeMp4, writePngFrames } from '../io/video.js';
import { scenarioForPrompt, type CardModel } from '../models/card-loader.js';
import { addModelOptions, loadModelFromFlags, type ModelFlags } from './model-options.js';
import { PHYSICS_DEFAULTS } from '../pipeline/config.js';
import { generateVideo, type GivenFrames } from '../pipeline/generate.js';
import { plannedNfe } from '../pipeline/run.js';
import { writeDataset } from '../world/dataset/export.js';
import { samplingProgress } from '../io/progress.js';
import { generateClipsOnQueue } from '../queue/generate.js';
import { parseInteger } from './flags.js';
import { addSamplerOptions, samplerConfigFromFlags, type SamplerFlags } from './sampler-options.js';
import { addFolderOptions, runFolderGenerate, type FolderFlags } from './generate-folder.js';
import { isModelFolder } from '../models/folder/folder.js';

interface GenerateFlags extends SamplerFlags, ModelFlags, FolderFlags {
  prompt?: string;
  image?: string;
  givenFrames?: string;
  seed?: string;
  out?: string;
  count?: string;
  maskVideo?: boolean;
  listPrompts?: boolean;
  scale?: string;
  fps?: string;
  mp4?: boolean;
  json?: boolean;
  redis?: string;
}

export function registerGenerateCommand(program: Command): void {
  const cmd = program
    .command('generate')
    .description(
      'generate a video with the shipped physics model (GIF, PNG frames, MP4 when ffmpeg is on PATH, latent .npy), or sample a model folder (--model DIR: Wan2.1/2.2, Cosmos-Predict2.5 ONNX exports; docs/models.md)',
    )
    .option('--prompt <text>', 'a prompt from --list-prompts (or its scenario name); with a model folder, any text (its text_encoder/ and tokenizer/)')
    .option('--image <first.png>', 'image-to-video: the first frame, a PNG of the model frame size (of --size with a model folder)')
    .option('--given-frames <clip.npy:N>', 'image-to-video: the first N frames of a [3,F,H,W] (or [1,3,F,H,W]) clip')
    .option('--seed <n>', 'seed (default 0); --count N uses seeds n … n+N−1')
    .option('--out <path>', 'output GIF (siblings: .frames/, .mp4, .latent.npy, .mask.png); with --count, a dataset directory; with a model folder, x.npy (the final latent alone) or, with its vae_decoder/, a GIF (siblings .frames/, .mp4, .latent.npy, .preview.png)')
    .option('--count <n>', 'generate N samples into a dataset directory for `selfrefine eval` (prompts cycle when --prompt is omitted)')
    .option('--mask-video', 'also write a picture of the uncertainty mask at each refined step over the frames')
    .option('--list-prompts', 'print the prompts the model knows, one per line')
    .option('--scale <k>', 'pixel upscaling of GIF/PNG/MP4 outputs (default 8; 1 with a model folder)')
    .option('--fps <n>', 'frames per second of GIF/MP4 (default 8; 16 with a model folder)')
    .option('--no-mp4', 'skip the MP4 even when ffmpeg is available')
    .option('--json', 'print a JSON summary')
    .option('--redis <url>', 'with --count: run the clips as jobs on `selfrefine worker` processes through this Redis (docs/scale.md)');
  addFolderOptions(addSamplerOptions(addModelOptions(cmd))).action(async (flags: GenerateFlags) => {
    if (isModelFolder(flags.model)) {
      if (flags.redis !== undefined) throw new UsageError('--redis runs the physics model\'s datasets (--count); a model folder runs in this process');
      await runFolderGenerate(flags);
      return;
    }
    rejectFolderFlags(flags);
    const model = await loadModelFromFlags(flags);
    try {
      if (flags.listPrompts === true) {
        for (const s of model.card.scenarios) process.stdout.write(`${s.prompt}\n`);
        return;
      }
      await runGenerate(model, flags);
    } finally {
      await model.dispose();
    }
  });
}

async function runGenerate(model: CardModel, flags: GenerateFlags): Promise<void> {
  if (flags.out === undefined) throw new UsageError('--out is required (a .gif path, or a directory with --count)');
  const config = samplerConfigFromFlags(flags, PHYSICS_DEFAULTS);
  const seed = flags.seed !== undefined ? parseInteger(flags.seed, '--seed', 0) : 0;
  const given = readGiven(model, flags);
  const scale = flags.scale !== undefined ? parseInteger(flags.scale, '--scale', 1) : 8;
  const fps = flags.fps !== undefined ? parseInteger(flags.fps, '--fps', 1) : 8;
  const fixedScenario = flags.prompt !== undefined ? scenarioForPrompt(model.card, flags.prompt) : undefined;
  const { frames: F, height: H, width: W } = model;
  const perSample = plannedNfe(config);

  if (flags.count !== undefined) {
    const count = parseInteger(flags.count, '--count', 1);
    const progress = samplingProgress(perSample * count, `${count} samples`);
    const scenarios = Array.from({ length: count }, (_, k) => fixedScenario ?? model.card.scenarios[k % model.card.scenarios.length].name);
    const entries = scenarios.map((scenario, k) => ({ scenario, seed: seed + k, givenFrames: given?.frames ?? 0 }));
    let data: Uint8Array = new Uint8Array(count * 3 * F * H * W);
    let nfe = 0;
    if (flags.redis !== undefined) {
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      ({ data, nfe } = await generateClipsOnQueue(model, { url: flags.redis, config, seed, scenarios, given, log, onProgress: (spent, done) => progress.show(spent, `${done}/${count} clips`) }));
    } else {
      for (let k = 0; k < count; k++) {
        const offset = k * perSample;
        const video = await generateVideo(model, { scenario: scenarios[k], config, seed: seed + k, given, observer: (r) => progress.observe(r, offset) });
        data.set(videoFromPixels(video.pixels, F, H, W).data, k * 3 * F * H * W);
        nfe += video.nfe;
      }
    }
    progress.finish();
    writeDataset(flags.out, { data, count, frames: F, height: H, width: W }, entries);
    report(flags, { out: flags.out, samples: count, nfe });
    return;
  }

  if (flags.redis !== undefined) throw new UsageError('--redis runs datasets: give --count N (one queue job per clip)');
  if (fixedScenario === undefined) throw new UsageError(`--prompt is required; valid prompts:\n  ${model.card.scenarios.map((s) => s.prompt).join('\n  ')}`);
  if (extname(flags.out).toLowerCase() !== '.gif') throw new UsageError(`--out must end in .gif (got '${flags.out}'); the other files are written beside it`);
  const progress = samplingProgress(perSample, 'sampling');
  const t0 = performance.now();
  const video = await generateVideo(model, { scenario: fixedScenario, config, seed, given, observer: (r) => progress.observe(r), recordMasks: flags.maskVideo === true });
  progress.finish();
  const seconds = (performance.now() - t0) / 1000;
  const rgb = videoFromPixels(video.pixels, F, H, W);
  const stem = join(dirname(flags.out), basename(flags.out, extname(flags.out)));
  writeFileAtomic(flags.out, gifBytes(rgb, scale, fps));
  writePngFrames(`${stem}.frames`, rgb, scale);
  writeNpy(`${stem}.latent.npy`, video.latent, model.network.shape);
  const mp4 = flags.mp4 !== false && writeMp4(`${stem}.mp4`, rgb, scale, fps);
  if (flags.maskVideo === true) {
    const [, , h, w] = model.network.shape;
    writeFileAtomic(`${stem}.mask.png`, stepMaskPicture(video.masks, F, H, W, h, w, Math.max(1, Math.round(scale / 2))));
  }
  report(flags, { out: flags.out, frames: F, nfe: video.nfe, nfeSaved: video.nfeSaved, seconds: Number(seconds.toFixed(2)), mp4 });
}

/** Flags that only a model folder reads. */
function rejectFolderFlags(flags: GenerateFlags): void {
  const given: [string, unknown][] = [
    ['--prompt-embeds', flags.promptEmbeds],
    ['--negative-embeds', flags.negativeEmbeds],
    ['--negative-prompt', flags.negativePrompt],
    ['--cache-dir', flags.cacheDir],
    ['--frames', flags.frames],
    ['--size', flags.size],
    ['--init', flags.init],
    ['--noise', flags.noise],
    ['--threads', flags.threads],
  ];
  if (flags.device === 'cuda') given.push(['--device cuda', true]);
  const hit = given.find(([, v]) => v !== undefined);
  if (hit !== undefined) throw new UsageError(`${hit[0]} applies to model folders (--model DIR); the shipped physics model has a fixed clip and runs on the CPU`);
}

function report(flags: GenerateFlags, summary: Record<string, unknown>): void {
  if (flags.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${Object.entries(summary).map(([k, v]) => `${k} ${v}`).join(' · ')}\n`);
}

/** --image or --given-frames → pixels in [−1, 1], [3, N, H, W]. */
function readGiven(model: CardModel, flags: GenerateFlags): GivenFrames | undefined {
  const { height: H, width: W, frames: F } = model;
  if (flags.image !== undefined && flags.givenFrames !== undefined) throw new UsageError('give either --image or --given-frames, not both');
  if (flags.image !== undefined) return { pixels: readPngPixels(flags.image, W, H), frames: 1 };
  if (flags.givenFrames !== undefined) {
    const m = /^(.*):(\d+)$/.exec(flags.givenFrames);
    if (m === null) throw new UsageError(`--given-frames must be <clip.npy>:<N>, got '${flags.givenFrames}'`);
    const n = Number(m[2]);
    if (n < 1 || n >= F) throw new UsageError(`--given-frames N must be in 1..${F - 1}, got ${n}`);
    const arr = readNpy(m[1]);
    const shape = arr.shape.length === 5 && arr.shape[0] === 1 ? arr.shape.slice(1) : arr.shape;
    if (shape.length !== 4 || shape[0] !== 3 || shape[2] !== H || shape[3] !== W || shape[1] < n) {
      throw new UsageError(`${m[1]}: shape [${arr.shape.join(', ')}]; expected [3, ≥${n}, ${H}, ${W}] (uint8 or float32 in [−1, 1])`);
    }
    const clipFrames = shape[1];
    const px = H * W;
    const pixels = new Float32Array(3 * n * px);
    for (let c = 0; c < 3; c++) {
      for (let f = 0; f < n; f++) {
        for (let i = 0; i < px; i++) {
          const v = arr.data[(c * clipFrames + f) * px + i];
          pixels[(c * n + f) * px + i] = arr.dtype === 'uint8' ? v / 127.5 - 1 : v;
        }
      }
    }
    return { pixels, frames: n };
  }
  return undefined;
}
