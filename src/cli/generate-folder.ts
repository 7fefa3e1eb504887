// `selfrefine generate --model DIR`: sample a model folder (Wan2.1, Wan2.2, Cosmos-Predict2.5 ONNX exports) from
// prompts (text through the folder's encoder, or text states), an initial latent and a noise stream; writes the final
// latent as .npy, or with a VAE decoder the clip (GIF, PNG frames, MP4) beside the latent.
import { basename, dirname, extname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { NormalRng, type NoiseSource } from '../core/rng.js';
import { numel, type LatentShape } from '../core/tensor.js';
import { NpyNoiseStream, readInitialNoise } from '../io/noise-stream.js';
import { writeNpy } from '../io/npy.js';
import { loadFolderModel, readModelFolder, type FolderLayout, type FolderModel } from '../models/folder/folder.js';
import type { GraphDevice, GraphOptions } from '../models/onnx/graph.js';
import { findPreset, type SamplerConfig } from '../pipeline/config.js';
import { folderPresetName, sampleFolderModel } from '../pipeline/folder.js';
import { plannedNfe, type RunResult } from '../pipeline/run.js';
import { padTextStates } from '../models/folder/text-states.js';
import { WAN21_LATENT_RGB } from '../models/wan/preview.js';
import { FAMILIES, latentShapeFor, type FamilyName } from '../models/family.js';
import { imageCondition } from './folder-image.js';
import { addFolderTextOptions, folderTextStates, type FolderTextFlags, type FolderTextStates, type PromptStates } from './folder-text.js';
import type { ClipOutputs } from './folder-video.js';
import { previewFileObserver, terminalPreview, WAN_FPS, writeDecodedClip } from './folder-video.js';
import { samplingProgress } from '../io/progress.js';
import { parseInteger } from './flags.js';
import { samplerConfigFromFlags, type SamplerFlags } from './sampler-options.js';

export interface FolderFlags extends SamplerFlags, FolderTextFlags {
  model: string;
  image?: string;
  frames?: string;
  size?: string;
  init?: string;
  noise?: string;
  device?: string;
  threads?: string;
  conditionLatent?: string;
  seed?: string;
  out?: string;
  scale?: string;
  fps?: string;
  mp4?: boolean;
  json?: boolean;
}

/** Wan's default clip: 81 frames of 832 × 480. */
const DEFAULT_FRAMES = 81;
const DEFAULT_SIZE = '832x480';

export function addFolderOptions(cmd: Command): Command {
  return addFolderTextOptions(cmd)
    .option('--prompt-embeds <file>', 'model folder: text-encoder states of the prompt, [L,4096] or [1,L,4096] .npy/.safetensors (zero-padded to 512)')
    .option('--negative-embeds <file>', 'model folder: text-encoder states of the negative prompt (same shapes)')
    .option('--frames <n>', `model folder: frames of the clip, 4k+1 (default ${DEFAULT_FRAMES})`)
    .option('--size <WxH>', `model folder: width x height in pixels, multiples of 16 (default ${DEFAULT_SIZE})`)
    .option('--init <x.npy>', 'model folder: the initial latent [C,F,H,W] instead of --seed noise')
    .option('--noise <stream.npy>', 'model folder: noise stream [M,C,F,H,W], one latent per Perturb/Restart/FreeInit draw, in order')
    .addOption(new Option('--device <device>', 'model folder: onnxruntime execution provider').choices(['cpu', 'cuda']).default('cpu'))
    .option('--threads <n>', 'model folder: intra-op threads per network (default: all cores)')
    .option('--condition-latent <latent.npy:N>', 'model folder: keep the first N latent frames fixed at this normalised clean latent [C,F,H,W] (Cosmos-Predict2.5 video-to-world)');
}

/** --condition-latent latent.npy:N → the clean latent and N, checked against the model's latent. */
function readConditionLatent(spec: string, shape: LatentShape): { latent: Float32Array; frames: number } {
  const m = /^(.*):(\d+)$/.exec(spec);
  if (m === null) throw new UsageError(`--condition-latent must be <latent.npy>:<N>, got '${spec}'`);
  const frames = Number(m[2]);
  if (frames < 1 || frames >= shape[1]) throw new UsageError(`--condition-latent N must be in 1..${shape[1] - 1} (the latent has ${shape[1]} frames), got ${frames}`);
  return { latent: readInitialNoise(m[1], shape, 'conditioning latent'), frames };
}

/** WxH → [width, height]. */
export function parseSize(text: string): [number, number] {
  const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/i.exec(text);
  if (m === null) throw new UsageError(`--size must be WIDTHxHEIGHT in pixels, e.g. 832x480; got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

/** The command's sampler settings: the named preset, or the folder's, or its family's, overridden flag by flag. */
function configFor(flags: FolderFlags, layout: FolderLayout): SamplerConfig {
  const preset = flags.preset ?? folderPresetName(layout);
  return samplerConfigFromFlags({ ...flags, preset }, findPreset(preset).config);
}

/** The command's inputs, checked, before anything is loaded. */
interface FolderRequest {
  readonly out: string;
  readonly layout: FolderLayout;
  /** The output's extension: '.npy' (the latent alone) or '.gif' (the decoded clip and the latent). */
  readonly ext: string;
  /** The output path without its extension, for the files beside it. */
  readonly stem: string;
  readonly scale: number;
  readonly fps: number;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly config: SamplerConfig;
  readonly family: FamilyName;
  readonly graph: GraphOptions;
}

/** Check every flag in order, so that a bad one stops the command before any model loads. */
function checkFolderFlags(flags: FolderFlags): FolderRequest {
  if (flags.out === undefined) throw new UsageError('--out is required: the .npy to write the final latent to, or with a vae_decoder/ a .gif');
  const layout = readModelFolder(flags.model);
  const ext = extname(flags.out).toLowerCase();
  if (ext !== '.npy' && !(ext === '.gif' && layout.vaeDecoder !== undefined)) {
    throw new UsageError(
      layout.vaeDecoder === undefined
        ? `--out ${flags.out}: this folder's output is the final latent; give a .npy path (the folder has no vae_decoder/)`
        : `--out ${flags.out}: give a .gif (the clip, with .frames/, .mp4 and .latent.npy beside it) or a .npy (the final latent alone)`,
    );
  }
  const stem = join(dirname(flags.out), basename(flags.out, extname(flags.out)));
  const scale = flags.scale !== undefined ? parseInteger(flags.scale, '--scale', 1) : 1;
  const fps = flags.fps !== undefined ? parseInteger(flags.fps, '--fps', 1) : WAN_FPS;
  const frames = parseInteger(flags.frames ?? String(DEFAULT_FRAMES), '--frames', 1);
  const [width, height] = parseSize(flags.size ?? DEFAULT_SIZE);
  const config = configFor(flags, layout);
  if (flags.prompt === undefined && flags.promptEmbeds === undefined) {
    throw new UsageError('a model folder needs --prompt TEXT (with its text_encoder/ and tokenizer/) or --prompt-embeds FILE (text-encoder states)');
  }
  const guided = config.guidance.scale !== (config.guidance.form === 'wan' ? 1 : 0) || config.guidance.cfgSchedule !== undefined;
  if (flags.negativeEmbeds === undefined && flags.negativePrompt === undefined && flags.prompt === undefined && guided) throw new UsageError('--negative-embeds <file> is required with guidance (--cfg ≠ 1): the negative prompt\'s text states');
  if (flags.seed !== undefined && flags.init !== undefined) throw new UsageError('give either --seed or --init, not both');
  const device = (flags.device ?? 'cpu') as GraphDevice;
  const threads = flags.threads !== undefined ? parseInteger(flags.threads, '--threads', 1) : undefined;
  const graph = { device, ...(threads !== undefined ? { threads } : {}) };
  return { out: flags.out, layout, ext, stem, scale, fps, frames, width, height, config, family: layout.config.family ?? 'wan', graph };
}

/** Text states and the image condition first (their encoders are released), then the transformer. */
async function loadInputsAndModel(flags: FolderFlags, req: FolderRequest): Promise<{ text: FolderTextStates; model: FolderModel }> {
  const { layout, family, frames, width, height, graph, config } = req;
  const text = await folderTextStates(flags, layout, family, graph);
  const extraChannels = flags.image !== undefined ? await imageCondition(flags.image, layout, FAMILIES[family], latentShapeFor(FAMILIES[family].geometry, frames, width, height), graph) : undefined;
  const model = await loadFolderModel(flags.model, {
    ...(extraChannels !== undefined ? { extraChannels } : {}),
    preset: flags.preset,
    frames,
    width,
    height,
    ...graph,
    ...(config.guidance.cfgSchedule !== undefined ? { fallbackBoundary: config.guidance.cfgSchedule.boundary } : {}),
  });
  return { text, model };
}

/** Sample the loaded model: padded text states, the initial latent and the noise stream, with progress and previews. */
async function sampleLoaded(flags: FolderFlags, req: FolderRequest, text: FolderTextStates, model: FolderModel): Promise<{ result: RunResult; seconds: number }> {
  const [rows, width] = model.textShape;
  const pad = (p: PromptStates): Float32Array => padTextStates(p.data, p.shape, rows, width, p.source);
  const positive = pad(text.positive);
  const negative = text.negative !== undefined ? pad(text.negative) : new Float32Array(positive.length);
  const rng = new NormalRng(flags.seed !== undefined ? parseInteger(flags.seed, '--seed', 0) : 0);
  let initialNoise: Float32Array;
  if (flags.init !== undefined) {
    initialNoise = readInitialNoise(flags.init, model.shape);
  } else {
    initialNoise = new Float32Array(numel(model.shape));
    rng.fill(initialNoise);
  }
  const noise: NoiseSource = flags.noise !== undefined ? new NpyNoiseStream(flags.noise, model.shape) : rng;
  const given = flags.conditionLatent !== undefined ? readConditionLatent(flags.conditionLatent, model.shape) : undefined;
  const progress = samplingProgress(plannedNfe(req.config), 'sampling');
  // With --out x.npy the latent is the only file written (a run that fails leaves nothing behind).
  const preview = req.ext === '.gif' && model.shape[0] === WAN21_LATENT_RGB.weights.length ? previewFileObserver(`${req.stem}.preview.png`, model.shape) : undefined;
  const t0 = performance.now();
  const result = await sampleFolderModel(model, {
    config: req.config,
    positive,
    negative,
    initialNoise,
    noise,
    ...(given !== undefined ? { given } : {}),
    observer: (r) => {
      progress.observe(r);
      preview?.(r);
    },
  });
  progress.finish();
  return { result, seconds: (performance.now() - t0) / 1000 };
}

/** The terminal preview (on a terminal), then the run's summary line, or JSON. */
function reportRun(flags: FolderFlags, req: FolderRequest, model: FolderModel, text: FolderTextStates, run: { result: RunResult; seconds: number }, clip: ClipOutputs | undefined): void {
  const { result, seconds } = run;
  if (process.stderr.isTTY === true && flags.json !== true && model.shape[0] === WAN21_LATENT_RGB.weights.length) {
    const file = clip !== undefined ? `; ${req.stem}.preview.png has x̂0 of the last step` : '';
    process.stderr.write(`latent preview (middle frame, Wan's latent-to-RGB factors${file}):\n${terminalPreview(result.x, model.shape)}`);
  }
  const summary = {
    out: req.out,
    shape: `[${model.shape.join(', ')}]`,
    nfe: result.nfe,
    nfeSaved: result.nfeSaved,
    seconds: Number(seconds.toFixed(2)),
    ...(clip !== undefined ? { frames: clip.pixelFrames, mp4: clip.mp4 !== null, latentFile: clip.latent } : {}),
    ...(text.encoded + text.cached > 0 ? { promptsEncoded: text.encoded, promptsCached: text.cached } : {}),
  };
  if (flags.json === true) process.stdout.write(`${JSON.stringify({ ...summary, shape: model.shape })}\n`);
  else {
    const rest = Object.entries(summary).filter(([k]) => k !== 'nfe' && k !== 'out' && k !== 'shape').map(([k, v]) => `${k} ${v}`);
    process.stdout.write(`nfe ${result.nfe}\nout ${summary.out} · latent ${summary.shape} · ${rest.join(' · ')}\n`);
  }
}

export async function runFolderGenerate(flags: FolderFlags): Promise<void> {
  const req = checkFolderFlags(flags);
  const { text, model } = await loadInputsAndModel(flags, req);
  let run: { result: RunResult; seconds: number };
  try {
    run = await sampleLoaded(flags, req, text, model);
  } finally {
    await model.dispose();
  }
  // The transformer is released before the decoder loads: at Wan's sizes both would not fit in memory at once.
  const clip = req.ext === '.gif' ? await writeDecodedClip(model, run.result.x, req.stem, { ...req.graph, scale: req.scale, fps: req.fps, mp4: flags.mp4 !== false }) : undefined;
  if (clip === undefined) writeNpy(req.out, run.result.x, model.shape);
  reportRun(flags, req, model, text, run, clip);
}
