// A model folder in the diffusers/TensorStack layout: transformer/model.onnx (external data beside it allowed),
// transformer_2/model.onnx (Wan2.2 A14B's low-noise expert), optionally vae_decoder/, vae_encoder/, text_encoder/
// and tokenizer/, and an optional selfrefine.json that overrides what is inferred.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../errors.js';
import { numel, type LatentShape } from '../../core/tensor.js';
import type { VelocityModel } from '../../core/model.js';
import { FAMILIES, latentShapeFor, MODEL_FACTS, type FamilyName, type ModelFacts, type ModelFamily } from '../family.js';
import { bindDenoiser, type GraphBinding } from '../onnx/binding.js';
import { OnnxGraph, type GraphOptions } from '../onnx/graph.js';
import { SwitchedExperts } from '../sigma-experts.js';
import { GraphDenoiser } from './denoiser.js';

export const FOLDER_CONFIG_FILE = 'selfrefine.json';

export const folderConfigSchema = z
  .object({
    family: z.enum(['wan', 'cosmos']).optional(),
    /** The preset whose model facts apply (experts' boundary, input channels) when the command names none. */
    preset: z.string().optional(),
    /** Graph names per role, overriding the aliases. */
    inputs: z.object({ latent: z.string(), timestep: z.string(), text: z.string() }).partial().strict().optional(),
    output: z.string().optional(),
    /** Network timestep at which transformer_2 (the low-noise expert) takes over. */
    boundary: z.number().positive().optional(),
    latentsMean: z.array(z.number().finite()).min(1).optional(),
    latentsStd: z.array(z.number().positive()).min(1).optional(),
    textLength: z.number().int().positive().optional(),
    textWidth: z.number().int().positive().optional(),
  })
  .strict();

export type FolderConfig = z.infer<typeof folderConfigSchema>;

export interface FolderLayout {
  readonly dir: string;
  readonly transformer: string;
  /** The low-noise expert of a two-expert model. */
  readonly transformer2?: string;
  readonly vaeDecoder?: string;
  readonly vaeEncoder?: string;
  readonly textEncoder?: string;
  readonly tokenizer?: string;
  readonly config: FolderConfig;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `--model PATH` names a model folder (a directory without the physics model's card.json). */
export function isModelFolder(path: string): boolean {
  return isDirectory(path) && !existsSync(join(path, 'card.json'));
}

function optionalGraph(dir: string, sub: string): string | undefined {
  const path = join(dir, sub, 'model.onnx');
  return existsSync(path) ? path : undefined;
}

function readConfig(dir: string): FolderConfig {
  const path = join(dir, FOLDER_CONFIG_FILE);
  if (!existsSync(path)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = folderConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${path}: field '${issue.path.join('.') || '(top level)'}': ${issue.message}`);
  }
  return parsed.data;
}

/** The files of a model folder; a folder without transformer/model.onnx is a usage error. */
export function readModelFolder(dir: string): FolderLayout {
  if (!isDirectory(dir)) throw new UsageError(`--model ${dir}: not a directory`);
  const transformer = optionalGraph(dir, 'transformer');
  if (transformer === undefined) {
    throw new UsageError(`--model ${dir}: no transformer/model.onnx; a model folder holds transformer/ (diffusers/TensorStack layout, docs/models.md)`);
  }
  const tokenizerDir = join(dir, 'tokenizer');
  return {
    dir,
    transformer,
    transformer2: optionalGraph(dir, 'transformer_2'),
    vaeDecoder: optionalGraph(dir, 'vae_decoder'),
    vaeEncoder: optionalGraph(dir, 'vae_encoder'),
    textEncoder: optionalGraph(dir, 'text_encoder'),
    tokenizer: isDirectory(tokenizerDir) ? tokenizerDir : undefined,
    config: readConfig(dir),
  };
}

export interface FolderModelOptions extends GraphOptions {
  /** Sampler preset named on the command line: its model facts apply unless selfrefine.json says otherwise. */
  readonly preset?: string;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  /** Where no preset or selfrefine.json gives the experts' boundary (the command's --cfg-boundary). */
  readonly fallbackBoundary?: number;
  /** Channels after the latent's for image-to-video transformers, [extra, F, H, W]. */
  readonly extraChannels?: Float32Array;
}

export interface FolderModel {
  readonly layout: FolderLayout;
  readonly family: ModelFamily;
  readonly facts: ModelFacts;
  /** The transformer, or the two experts switched by the model's timestep. */
  readonly network: VelocityModel;
  /** The sampler's latent [C, F, H, W]. */
  readonly shape: LatentShape;
  /** Rows × width of the text states the transformer reads. */
  readonly textShape: readonly [number, number];
  readonly latentsMean: readonly number[];
  readonly latentsStd: readonly number[];
  /** The experts' boundary (network timestep), for a two-expert folder. */
  readonly boundary?: number;
  dispose(): Promise<void>;
}

function factsFor(layout: FolderLayout, preset: string | undefined): ModelFacts {
  const name = preset ?? layout.config.preset;
  const known = name !== undefined ? MODEL_FACTS[name.toLowerCase()] : undefined;
  if (name !== undefined && known === undefined) {
    const source = preset !== undefined ? '--preset' : join(layout.dir, FOLDER_CONFIG_FILE);
    throw new UsageError(`${source}: no model facts for preset '${name}'; the model presets are ${Object.keys(MODEL_FACTS).join(', ')}`);
  }
  const family: FamilyName = layout.config.family ?? known?.family ?? 'wan';
  return { ...(known ?? { inputChannels: FAMILIES[family].geometry.channels }), family };
}

/** A declared dimension that is a fixed size (not symbolic). */
function fixed(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && d > 0 ? d : undefined;
}

function textShapeOf(binding: GraphBinding, family: ModelFamily, config: FolderConfig, where: string): [number, number] {
  const s = binding.text.shape;
  const length = config.textLength ?? fixed(s[1]) ?? family.textLength;
  const width = config.textWidth ?? fixed(s[2]) ?? family.textWidth;
  if (width === undefined) throw new UsageError(`${where}: the text input '${binding.text.name}' does not declare its width; set "textWidth" in ${FOLDER_CONFIG_FILE}`);
  return [length, width];
}

function checkLatentInput(binding: GraphBinding, shape: LatentShape, channels: number, where: string): void {
  const s = binding.latent.shape;
  const declared = fixed(s[1]);
  if (declared !== undefined && declared !== channels) {
    throw new UsageError(
      declared === shape[0] + 20 && channels === shape[0]
        ? `${where}: the transformer reads ${declared} channels (image-to-video: latent, first-frame mask, image latent); give --image and the wan2.2-i2v-a14b preset`
        : `${where}: latent input '${binding.latent.name}' has ${declared} channels; this model's latent has ${channels}`,
    );
  }
  const want = [shape[1], shape[2], shape[3]];
  for (let i = 0; i < 3; i++) {
    const d = fixed(s[i + 2]);
    if (d !== undefined && d !== want[i]) {
      throw new UsageError(`${where}: the graph was exported for latent [${s.slice(1).join(', ')}]; --frames/--size give [${channels}, ${want.join(', ')}]`);
    }
  }
}

/** Open a folder's transformer(s) for clips of `frames` frames of width × height pixels. */
export async function loadFolderModel(dir: string, options: FolderModelOptions): Promise<FolderModel> {
  const layout = readModelFolder(dir);
  const { config } = layout;
  const facts = factsFor(layout, options.preset);
  const family = FAMILIES[facts.family];
  const shape = latentShapeFor(family.geometry, options.frames, options.width, options.height);
  const latentsMean = config.latentsMean ?? family.latentsMean;
  const latentsStd = config.latentsStd ?? family.latentsStd;
  if (latentsMean.length !== shape[0] || latentsStd.length !== shape[0]) {
    throw new UsageError(`${join(dir, FOLDER_CONFIG_FILE)}: latentsMean and latentsStd need ${shape[0]} values each`);
  }
  const extra = options.extraChannels;
  const channels = shape[0] + (extra !== undefined ? extra.length / (numel(shape) / shape[0]) : 0);
  if (facts.inputChannels !== shape[0] && extra === undefined) {
    throw new UsageError(`--model ${dir}: this model's transformer reads ${facts.inputChannels} channels (image-to-video); give --image`);
  }
  const map = { ...config.inputs, ...(config.output !== undefined ? { output: config.output } : {}) };
  const opened: OnnxGraph[] = [];
  const openDenoiser = async (path: string): Promise<{ denoiser: GraphDenoiser; textShape: [number, number] }> => {
    const graph = await OnnxGraph.open(path, options);
    opened.push(graph);
    const binding = bindDenoiser(graph.inputs, graph.outputs, path, map);
    checkLatentInput(binding, shape, channels, path);
    const textShape = textShapeOf(binding, family, config, path);
    return { denoiser: new GraphDenoiser(graph, binding, { shape, family, textShape, extraChannels: extra }), textShape };
  };
  try {
    const high = await openDenoiser(layout.transformer);
    let network: VelocityModel = high.denoiser;
    let boundary: number | undefined;
    if (layout.transformer2 !== undefined) {
      boundary = config.boundary ?? facts.expertBoundary ?? options.fallbackBoundary;
      if (boundary === undefined) {
        throw new UsageError(
          `--model ${dir}: transformer_2/ is a low-noise expert, but nothing says where it takes over; use --preset wan2.2-t2v-a14b, --cfg-boundary, or "boundary" in ${FOLDER_CONFIG_FILE}`,
        );
      }
      const low = await openDenoiser(layout.transformer2);
      if (low.textShape[0] !== high.textShape[0] || low.textShape[1] !== high.textShape[1]) {
        throw new UsageError(`--model ${dir}: the two experts read different text states ([${high.textShape.join(', ')}] and [${low.textShape.join(', ')}])`);
      }
      network = new SwitchedExperts(high.denoiser, low.denoiser, boundary);
    }
    return {
      layout,
      family,
      facts,
      network,
      shape,
      textShape: high.textShape,
      latentsMean,
      latentsStd,
      ...(boundary !== undefined ? { boundary } : {}),
      dispose: async () => {
        await Promise.all(opened.map((g) => g.dispose()));
      },
    };
  } catch (err) {
    await Promise.all(opened.map((g) => g.dispose()));
    throw err;
  }
}
