// The model that ships inside the repository: an ONNX velocity network plus its linear VAE.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { OnnxVelocityModel, type OnnxModelOptions } from './onnx/backend.js';
import type { ModelCard } from './onnx/card.js';
import { PatchPcaVae } from './vae.js';

/** models/physics/card.json of this package. */
export const DEFAULT_MODEL_CARD = fileURLToPath(new URL('../../../models/physics/card.json', import.meta.url));

export interface ShippedModel {
  readonly card: ModelCard;
  readonly network: OnnxVelocityModel;
  readonly vae: PatchPcaVae;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  dispose(): Promise<void>;
}

export async function loadShippedModel(cardPath = DEFAULT_MODEL_CARD, options: OnnxModelOptions = {}): Promise<ShippedModel> {
  const network = await OnnxVelocityModel.load(cardPath, options);
  const { card } = network;
  try {
    const vae = PatchPcaVae.read(join(network.dir, card.vae));
    const [width, height] = card.frameSize;
    const latent = vae.latentShape(card.frames, height, width);
    if (!latent.every((d, i) => d === network.shape[i])) {
      throw new UsageError(`${cardPath}: the VAE's latent [${latent.join(', ')}] does not match the card's latentShape [${network.shape.join(', ')}]`);
    }
    return { card, network, vae, frames: card.frames, height, width, dispose: () => network.dispose() };
  } catch (err) {
    await network.dispose();
    throw err;
  }
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
