// The model that ships inside the repository, assembled from a loaded card: its ONNX network (with the high-noise
// expert and the autoguide network the card names) plus its linear VAE. Platform-neutral: card-loader.ts loads it from
// disk with onnxruntime-node, src/browser/ over HTTP with onnxruntime-web.
import { UsageError } from '../errors.js';
import { formatShape, sameShape } from '../core/tensor.js';
import type { LoadedCard, ModelCard } from './onnx/card.js';
import { OnnxVelocityModel, type OnnxBackend } from './onnx/backend.js';
import { AutoguidedModel } from './autoguided.js';
import { SigmaSwitchedExperts, type ScenarioVelocityModel } from './sigma-experts.js';
import type { PatchPcaVae } from './vae.js';

export interface CardModel {
  readonly card: ModelCard;
  /** The ONNX network; the pair of them when the card names a high-noise expert; autoguided when it names a guide. */
  readonly network: ScenarioVelocityModel;
  readonly vae: PatchPcaVae;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  dispose(): Promise<void>;
}

export interface AssembleOptions {
  /** Replaces the card's autoguidance weight; 0 runs the model without its guide (the guide is then not loaded). */
  readonly guideWeight?: number;
}

/**
 * Start the card's networks on `backend` and pair them with `vae` (checked against the card's latent shape).
 * `readVae` runs after the networks have started; on any failure they are disposed again.
 */
export async function assembleCardModel(loaded: LoadedCard, cardPath: string, backend: OnnxBackend, readVae: (name: string) => PatchPcaVae | Promise<PatchPcaVae>, options: AssembleOptions = {}): Promise<CardModel> {
  const running = withGuideWeight(loaded, cardPath, options.guideWeight);
  const { card } = running;
  const network = await startNetwork(running, cardPath, backend);
  try {
    const vae = await readVae(card.vae);
    const [width, height] = card.frameSize;
    const latent = vae.latentShape(card.frames, height, width);
    if (!sameShape(latent, network.shape)) {
      throw new UsageError(`${cardPath}: the VAE's latent ${formatShape(latent)} does not match the card's latentShape ${formatShape(network.shape)}`);
    }
    return { card, network, vae, frames: card.frames, height, width, dispose: () => network.dispose() };
  } catch (err) {
    await network.dispose();
    throw err;
  }
}

/**
 * The card as it runs with `guideWeight`: the weight replaced, or the guide dropped at 0 (so ids and reports say so).
 * AutoguidedModel checks the weight itself.
 */
function withGuideWeight(loaded: LoadedCard, cardPath: string, guideWeight: number | undefined): LoadedCard {
  if (guideWeight === undefined) return loaded;
  const { card, autoguide } = loaded;
  if (card.autoguide === undefined || autoguide === undefined) throw new UsageError(`${cardPath}: the model has no autoguide network, so a guide weight does not apply`);
  if (guideWeight === 0) {
    const { autoguide: _dropped, ...plainCard } = card;
    const { autoguide: _file, ...plain } = loaded;
    return { ...plain, card: plainCard };
  }
  return { ...loaded, card: { ...card, autoguide: { ...card.autoguide, weight: guideWeight } }, autoguide: { ...autoguide, weight: guideWeight } };
}

async function startNetwork(loaded: LoadedCard, cardPath: string, backend: OnnxBackend): Promise<ScenarioVelocityModel> {
  const { card, onnxBytes, highNoiseExpert, autoguide } = loaded;
  const started: ScenarioVelocityModel[] = [];
  const start = async (bytes: Uint8Array, where: string): Promise<ScenarioVelocityModel> => {
    const network = await OnnxVelocityModel.open(backend, card, bytes, where);
    started.push(network);
    return network;
  };
  try {
    const low = await start(onnxBytes, cardPath);
    const main = highNoiseExpert === undefined ? low : new SigmaSwitchedExperts(await start(highNoiseExpert.onnxBytes, highNoiseExpert.onnxPath), low, highNoiseExpert.fromSigma);
    if (autoguide === undefined) return main;
    const guide = await start(autoguide.onnxBytes, autoguide.onnxPath);
    return new AutoguidedModel(main, guide, { weight: autoguide.weight, fromSigma: autoguide.fromSigma });
  } catch (err) {
    await Promise.all(started.map((n) => n.dispose()));
    throw err;
  }
}

/**
 * What identifies the weights a card runs: its file's sha256, then `+high@σ` for a high-noise expert and
 * `~guide@σ*λ` for an autoguidance network (results.json stores this string; formatWeightsId reads it back).
 */
export function modelWeightsId(card: ModelCard): string {
  const { highNoiseExpert: expert, autoguide: guide } = card;
  const high = expert === undefined ? '' : `+${expert.sha256}@${expert.fromSigma}`;
  const guided = guide === undefined ? '' : `~${guide.sha256}@${guide.fromSigma}*${guide.weight}`;
  return `${card.sha256}${high}${guided}`;
}

/**
 * A weights id for people: "sha256 5e226372d6aa…", with ", high-noise expert a1c1d72a9ac5… from σ 0.8" for a pair
 * and ", autoguided by 0f3c…, weight 0.33 from σ 0.8" for a guide.
 */
export function formatWeightsId(id: string): string {
  const [networks, guide] = id.split('~');
  const [low, expert] = networks.split('+');
  const parts = [`sha256 ${low.slice(0, 12)}…`];
  if (expert !== undefined) {
    const [high, fromSigma] = expert.split('@');
    parts.push(`high-noise expert ${high.slice(0, 12)}… from σ ${fromSigma}`);
  }
  if (guide !== undefined) {
    const [sha, rest = ''] = guide.split('@');
    const [fromSigma, weight] = rest.split('*');
    parts.push(`autoguided by ${sha.slice(0, 12)}…, weight ${weight} from σ ${fromSigma}`);
  }
  return parts.join(', ');
}

/** Resolve a prompt (its text, case-insensitive, or the scenario name) to the scenario name. */
export function scenarioForPrompt(card: ModelCard, prompt: string): string {
  const want = prompt.trim().toLowerCase();
  const hit = card.scenarios.find((s) => s.prompt.toLowerCase() === want || s.name.toLowerCase() === want);
  if (hit === undefined) {
    throw new UsageError(`the prompt '${prompt}' is not in the model's vocabulary; valid prompts:\n  ${card.scenarios.map((s) => s.prompt).join('\n  ')}`);
  }
  return hit.name;
}
