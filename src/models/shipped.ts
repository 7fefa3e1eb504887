// The model that ships inside the repository, loaded from disk: models/physics (card, ONNX networks, VAE) on
// onnxruntime-node. The assembly itself is platform-neutral (shipped-model.ts).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { nodeOnnxBackend, type OnnxModelOptions } from './onnx/backend.js';
import { loadModelCard } from './onnx/card-file.js';
import { assembleShippedModel, type AssembleOptions, type ShippedModel } from './shipped-model.js';
import { readPatchPcaVae } from './vae-file.js';

export { formatWeightsId, modelWeightsId, scenarioForPrompt, type ShippedModel } from './shipped-model.js';

/** models/physics/card.json of this package. */
export const DEFAULT_MODEL_CARD = fileURLToPath(new URL('../../../models/physics/card.json', import.meta.url));

export interface ShippedModelOptions extends OnnxModelOptions, AssembleOptions {}

export async function loadShippedModel(cardPath = DEFAULT_MODEL_CARD, options: ShippedModelOptions = {}): Promise<ShippedModel> {
  const loaded = await loadModelCard(cardPath);
  return assembleShippedModel(loaded, cardPath, nodeOnnxBackend(loaded.dir, options), (name) => readPatchPcaVae(join(loaded.dir, name)), options);
}
