// Resolve a --model argument to a velocity model.
import { UsageError } from '../errors.js';
import { GaussianMixtureModel, readMixtureSpec } from '../models/gmm.js';
import type { VelocityModel } from '../core/model.js';

export function loadModelSpec(spec: string): VelocityModel {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? '' : spec.slice(colon + 1);
  if (kind === 'gmm') {
    if (arg === '') throw new UsageError('--model gmm:<mixture.json> needs the path of a mixture spec');
    return new GaussianMixtureModel(readMixtureSpec(arg));
  }
  throw new UsageError(`unknown model '${spec}'; use gmm:<mixture.json>`);
}
