// The model that ships inside the repository: an ONNX velocity network plus its linear VAE.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { formatShape, sameShape } from '../core/tensor.js';
import { OnnxVelocityModel, type OnnxModelOptions } from './onnx/backend.js';
import { loadModelCard, type LoadedCard, type ModelCard } from './onnx/card.js';
import { SigmaSwitchedExperts, type ScenarioVelocityModel } from './sigma-experts.js';
import { PatchPcaVae } from './vae.js';

/** models/physics/card.json of this package. */
export const DEFAULT_MODEL_CARD = fileURLToPath(new URL('../../../models/physics/card.json', import.meta.url));

export interface ShippedModel {
  readonly card: ModelCard;
  /** The ONNX network, or the pair of them when the card names a high-noise expert. */
  readonly network: ScenarioVelocityModel;
  readonly vae: PatchPcaVae;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  dispose(): Promise<void>;
}

export async function loadShippedModel(cardPath = DEFAULT_MODEL_CARD, options: OnnxModelOptions = {}): Promise<ShippedModel> {
  const loaded = loadModelCard(cardPath);
  const { card, dir } = loaded;
  const network = await startNetwork(loaded, cardPath, options);
  try {
    const vae = PatchPcaVae.read(join(dir, card.vae));
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

async function startNetwork(loaded: LoadedCard, cardPath: string, options: OnnxModelOptions): Promise<ScenarioVelocityModel> {
  const { card, dir, onnxBytes, highNoiseExpert } = loaded;
  const low = await OnnxVelocityModel.start(card, dir, onnxBytes, cardPath, options);
  if (highNoiseExpert === undefined) return low;
  try {
    const high = await OnnxVelocityModel.start(card, dir, highNoiseExpert.onnxBytes, highNoiseExpert.onnxPath, options);
    return new SigmaSwitchedExperts(high, low, highNoiseExpert.fromSigma);
  } catch (err) {
    await low.dispose();
    throw err;
  }
}

/** What identifies the weights a card runs: its file's sha256, and the high-noise expert's when it has one. */
export function modelWeightsId(card: ModelCard): string {
  return card.highNoiseExpert === undefined ? card.sha256 : `${card.sha256}+${card.highNoiseExpert.sha256}@${card.highNoiseExpert.fromSigma}`;
}

/** A weights id for people: "sha256 5e226372d6aa…", with ", high-noise expert a1c1d72a9ac5… from σ 0.8" for a pair. */
export function formatWeightsId(id: string): string {
  const [low, expert] = id.split('+');
  if (expert === undefined) return `sha256 ${low.slice(0, 12)}…`;
  const [high, fromSigma] = expert.split('@');
  return `sha256 ${low.slice(0, 12)}…, high-noise expert ${high.slice(0, 12)}… from σ ${fromSigma}`;
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
