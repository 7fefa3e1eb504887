// `selfrefine generate --model DIR`: sample a model folder (Wan2.1, Wan2.2, Cosmos-Predict2.5 ONNX exports) from
// text states, an initial latent and a noise stream; writes the final latent as .npy.
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { NormalRng, type NoiseSource } from '../core/rng.js';
import { numel } from '../core/tensor.js';
import { readFloatTensor } from '../io/tensor-file.js';
import { NpyNoiseStream, readInitialNoise } from '../io/noise-stream.js';
import { writeNpy } from '../io/npy.js';
import { loadFolderModel, readModelFolder, type FolderModel } from '../models/folder/folder.js';
import { padTextStates } from '../models/folder/text-states.js';
import type { GraphDevice } from '../models/onnx/graph.js';
import { findPreset, type SamplerConfig } from '../pipeline/config.js';
import { sampleFolderModel } from '../pipeline/folder.js';
import { plannedNfe } from '../pipeline/run.js';
import { samplingProgress } from './progress.js';
import { parseInteger, samplerConfigFromFlags, type SamplerFlags } from './sampler-options.js';

export interface FolderFlags extends SamplerFlags {
  model: string;
  promptEmbeds?: string;
  negativeEmbeds?: string;
  frames?: string;
  size?: string;
  init?: string;
  noise?: string;
  device?: string;
  threads?: string;
  seed?: string;
  out?: string;
  json?: boolean;
}

/** Wan's default clip: 81 frames of 832 × 480. */
const DEFAULT_FRAMES = 81;
const DEFAULT_SIZE = '832x480';

export function addFolderOptions(cmd: Command): Command {
  return cmd
    .option('--prompt-embeds <file>', 'model folder: text-encoder states of the prompt, [L,4096] or [1,L,4096] .npy/.safetensors (zero-padded to 512)')
    .option('--negative-embeds <file>', 'model folder: text-encoder states of the negative prompt (same shapes)')
    .option('--frames <n>', `model folder: frames of the clip, 4k+1 (default ${DEFAULT_FRAMES})`)
    .option('--size <WxH>', `model folder: width x height in pixels, multiples of 16 (default ${DEFAULT_SIZE})`)
    .option('--init <x.npy>', 'model folder: the initial latent [C,F,H,W] instead of --seed noise')
    .option('--noise <stream.npy>', 'model folder: noise stream [M,C,F,H,W], one latent per Perturb/Restart/FreeInit draw, in order')
    .addOption(new Option('--device <device>', 'model folder: onnxruntime execution provider').choices(['cpu', 'cuda']).default('cpu'))
    .option('--threads <n>', 'model folder: intra-op threads per network (default: all cores)');
}

/** WxH → [width, height]. */
export function parseSize(text: string): [number, number] {
  const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/i.exec(text);
  if (m === null) throw new UsageError(`--size must be WIDTHxHEIGHT in pixels, e.g. 832x480; got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

function readTextStates(path: string, model: FolderModel, flag: string): Float32Array {
  const { shape, data } = readFloatTensor(path);
  return padTextStates(data, shape, model.textShape[0], model.textShape[1], `${flag} ${path}`);
}

/** The command's sampler settings: the named preset, or the folder's, or its family's, overridden flag by flag. */
function configFor(flags: FolderFlags, folderPreset: string | undefined, family: string): SamplerConfig {
  const preset = flags.preset ?? folderPreset ?? (family === 'cosmos' ? 'cosmos-predict2.5-2b' : 'wan2.1-t2v-1.3b');
  return samplerConfigFromFlags({ ...flags, preset }, findPreset(preset).config);
}

export async function runFolderGenerate(flags: FolderFlags): Promise<void> {
  if (flags.out === undefined) throw new UsageError('--out is required: the .npy to write the final latent to');
  const layout = readModelFolder(flags.model);
  if (extname(flags.out).toLowerCase() !== '.npy') {
    throw new UsageError(`--out ${flags.out}: this folder's output is the final latent; give a .npy path${layout.vaeDecoder === undefined ? ' (the folder has no vae_decoder/)' : ''}`);
  }
  const frames = parseInteger(flags.frames ?? String(DEFAULT_FRAMES), '--frames', 1);
  const [width, height] = parseSize(flags.size ?? DEFAULT_SIZE);
  const config = configFor(flags, layout.config.preset, layout.config.family ?? 'wan');
  if (flags.promptEmbeds === undefined) throw new UsageError('--prompt-embeds <file> is required with a model folder (text-encoder states of the prompt)');
  const guided = config.guidance.scale !== (config.guidance.form === 'wan' ? 1 : 0) || config.guidance.experts !== undefined;
  if (flags.negativeEmbeds === undefined && guided) throw new UsageError('--negative-embeds <file> is required with guidance (--cfg ≠ 1): the negative prompt\'s text states');
  if (flags.seed !== undefined && flags.init !== undefined) throw new UsageError('give either --seed or --init, not both');
  const device = (flags.device ?? 'cpu') as GraphDevice;
  const threads = flags.threads !== undefined ? parseInteger(flags.threads, '--threads', 1) : undefined;

  const model = await loadFolderModel(flags.model, {
    preset: flags.preset,
    frames,
    width,
    height,
    device,
    ...(threads !== undefined ? { threads } : {}),
    ...(config.guidance.experts !== undefined ? { fallbackBoundary: config.guidance.experts.boundary } : {}),
  });
  try {
    const positive = readTextStates(flags.promptEmbeds, model, '--prompt-embeds');
    const negative = flags.negativeEmbeds !== undefined ? readTextStates(flags.negativeEmbeds, model, '--negative-embeds') : new Float32Array(positive.length);
    const rng = new NormalRng(flags.seed !== undefined ? parseInteger(flags.seed, '--seed', 0) : 0);
    let initialNoise: Float32Array;
    if (flags.init !== undefined) {
      initialNoise = readInitialNoise(flags.init, model.shape);
    } else {
      initialNoise = new Float32Array(numel(model.shape));
      rng.fill(initialNoise);
    }
    const noise: NoiseSource = flags.noise !== undefined ? new NpyNoiseStream(flags.noise, model.shape) : rng;
    const progress = samplingProgress(plannedNfe(config), 'sampling');
    const t0 = performance.now();
    const result = await sampleFolderModel(model, { config, positive, negative, initialNoise, noise, observer: (r) => progress.observe(r) });
    progress.finish();
    const seconds = (performance.now() - t0) / 1000;
    writeNpy(flags.out, result.x, model.shape);
    const summary = { out: flags.out, shape: `[${model.shape.join(', ')}]`, nfe: result.nfe, nfeSaved: result.nfeSaved, seconds: Number(seconds.toFixed(2)) };
    if (flags.json === true) process.stdout.write(`${JSON.stringify({ ...summary, shape: model.shape })}\n`);
    else process.stdout.write(`nfe ${result.nfe}\nout ${summary.out} · latent ${summary.shape} · nfeSaved ${summary.nfeSaved} · seconds ${summary.seconds}\n`);
  } finally {
    await model.dispose();
  }
}
