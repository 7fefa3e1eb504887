// The velocity-model contract every backend implements (Gaussian mixture, ONNX, …).
import type { LatentShape } from '../core/tensor.js';

/** What a model is conditioned on. `label: null` is the unconditional (null-prompt) branch. */
export interface Condition {
  readonly label: string | null;
  /** Given first frames (image-to-video): clean latent [C, F, H, W] and how many latent frames are given. */
  readonly given?: { readonly latent: Float32Array; readonly frames: number };
  /** Text-encoder states [tokens, width], zero-padded to the model's text length (model folders: Wan, Cosmos). */
  readonly text?: Float32Array;
}

export interface VelocityRequest {
  readonly x: Float32Array;
  readonly condition: Condition;
}

/**
 * A flow-matching network: v(x, σ) = ε − x0. One call evaluates a batch (typically the
 * conditional and the unconditional branch) at a single noise level; `timestep` is what the
 * network is fed (Wan: int(σ·1000); Cosmos: σ).
 */
export interface VelocityModel {
  readonly shape: LatentShape;
  velocity(requests: readonly VelocityRequest[], sigma: number, timestep: number, out: readonly Float32Array[]): Promise<void>;
  dispose?(): Promise<void>;
}

export const UNCONDITIONAL: Condition = Object.freeze({ label: null });

/**
 * Whether a value is one VelocityModel (rather than a pair of experts described by `high`/`low` fields). Decided by
 * the `velocity` method: a model that switches experts itself also has `high` and `low`, and is still one model.
 */
export function isVelocityModel(m: object): m is VelocityModel {
  return typeof (m as Partial<VelocityModel>).velocity === 'function';
}
