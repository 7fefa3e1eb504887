// Two networks that share one latent space, switched by noise level: a high-noise expert that decides a clip's
// layout and motion, and a low-noise expert that renders it (the arrangement of Wan2.2 A14B). The pair is one
// VelocityModel, so every sampler, refinement loop and baseline uses it unchanged; Predict-and-Perturb re-noises
// to the same σ, so a refinement step stays with the expert of its step. The switch compares the model's own
// timestep (a function of σ that belongs to the model family) with the boundary: Wan2.2 switches at
// int(σ·1000) = 875, the shipped physics pair at σ itself.
import { UsageError } from '../errors.js';
import { formatShape, sameShape, type LatentShape } from '../core/tensor.js';
import type { VelocityModel, VelocityRequest } from '../core/model.js';

/** A velocity model that maps scenario labels to ids and owns resources (the ONNX backend). */
export interface ScenarioVelocityModel extends VelocityModel {
  scenarioId(label: string | null): number;
  dispose(): Promise<void>;
}

export class SwitchedExperts<M extends VelocityModel> implements VelocityModel {
  readonly shape: LatentShape;

  /** `high` runs while switchValue(σ) ≥ boundary, `low` below (by default the model's own timestep). */
  constructor(
    readonly high: M,
    readonly low: M,
    readonly boundary: number,
    private readonly switchValue: (sigma: number) => number = (sigma) => high.timestep(sigma),
  ) {
    if (!sameShape(high.shape, low.shape)) {
      throw new UsageError(`the two experts must share one latent shape: ${formatShape(high.shape)} vs ${formatShape(low.shape)}`);
    }
    this.shape = low.shape;
  }

  /** The network that evaluates at noise level σ. */
  expertAt(sigma: number): M {
    return this.switchValue(sigma) >= this.boundary ? this.high : this.low;
  }

  /** The experts share one model sampling: the high-noise expert's. */
  timestep(sigma: number): number {
    return this.high.timestep(sigma);
  }

  velocity(requests: readonly VelocityRequest[], sigma: number, out: readonly Float32Array[]): Promise<void> {
    return this.expertAt(sigma).velocity(requests, sigma, out);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.high.dispose?.(), this.low.dispose?.()]);
  }
}

/** The shipped physics pair: its card gives the switch as a noise level, so it compares σ itself. */
export class SigmaSwitchedExperts extends SwitchedExperts<ScenarioVelocityModel> implements ScenarioVelocityModel {
  /** `high` runs for σ ≥ fromSigma, `low` below. */
  constructor(high: ScenarioVelocityModel, low: ScenarioVelocityModel, readonly fromSigma: number) {
    if (!(fromSigma > 0 && fromSigma < 1)) throw new UsageError(`the high-noise expert's fromSigma must lie in (0, 1), got ${fromSigma}`);
    super(high, low, fromSigma, (sigma) => sigma);
  }

  scenarioId(label: string | null): number {
    return this.low.scenarioId(label);
  }
}
