// The velocity-model contract every backend implements (Gaussian mixture, ONNX, model folders, your own); it sits in
// core because the samplers and guidance are written against it.
import type { LatentShape } from './tensor.js';

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
 * conditional and the unconditional branch) at a single noise level σ; the model turns σ into
 * whatever its network is fed.
 */
export interface VelocityModel {
  readonly shape: LatentShape;
  /**
   * The model's timestep at σ (its model sampling: Wan int(σ·1000), Cosmos σ). Guidance schedules and expert
   * boundaries are written in these units.
   */
  timestep(sigma: number): number;
  velocity(requests: readonly VelocityRequest[], sigma: number, out: readonly Float32Array[]): Promise<void>;
  dispose?(): Promise<void>;
}

export const UNCONDITIONAL: Condition = Object.freeze({ label: null });
