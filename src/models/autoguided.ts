// Autoguidance (Karras et al., NeurIPS 2024, "Guiding a diffusion model with a bad version of itself"): a weaker
// network of the same family (here an earlier, less trained checkpoint) makes the same kinds of mistakes as the main
// network, only more of them, so extrapolating away from it, v_c + λ·(v_c − v_guide), removes part of the main
// network's own mistakes. Applied to the conditional branch only; with CFG g on top the guided velocity becomes
// v_u + g·(v_c − v_u) + g·λ·(v_c − v_guide). Like the high-noise expert this is one VelocityModel, so every sampler,
// refinement loop and baseline uses it unchanged, and one guided velocity stays one NFE (docs/sampling.md, "Conventions: σ, v and NFE"): the guide's forward
// pass is extra compute inside it, as the unconditional branch is.
import { UsageError } from '../errors.js';
import { formatShape, numel, sameShape, type LatentShape } from '../core/tensor.js';
import type { VelocityRequest } from '../core/model.js';
import type { ScenarioVelocityModel } from './sigma-experts.js';

export interface AutoguideSettings {
  /** λ: how far the conditional velocity is pushed away from the guide's. */
  readonly weight: number;
  /** The guide runs for σ ≥ fromSigma only (0: at every step). */
  readonly fromSigma: number;
}

export class AutoguidedModel implements ScenarioVelocityModel {
  readonly shape: LatentShape;
  private readonly size: number;
  /** The guide's outputs, one buffer per conditional request; grown once to the largest batch seen. */
  private readonly guideOut: Float32Array[] = [];

  constructor(
    readonly main: ScenarioVelocityModel,
    readonly guide: ScenarioVelocityModel,
    readonly settings: AutoguideSettings,
  ) {
    const { weight, fromSigma } = settings;
    if (!(Number.isFinite(weight) && weight >= 0)) throw new UsageError(`the autoguidance weight must be a finite number ≥ 0, got ${weight}`);
    if (!(fromSigma >= 0 && fromSigma < 1)) throw new UsageError(`the autoguidance fromSigma must lie in [0, 1), got ${fromSigma}`);
    if (!sameShape(main.shape, guide.shape)) {
      throw new UsageError(`the guide network must share the model's latent shape: ${formatShape(guide.shape)} vs ${formatShape(main.shape)}`);
    }
    this.shape = main.shape;
    this.size = numel(main.shape);
  }

  /** Whether the guide runs at noise level σ. */
  activeAt(sigma: number): boolean {
    return this.settings.weight > 0 && sigma >= this.settings.fromSigma;
  }

  timestep(sigma: number): number {
    return this.main.timestep(sigma);
  }

  async velocity(requests: readonly VelocityRequest[], sigma: number, out: readonly Float32Array[]): Promise<void> {
    const conditional: number[] = [];
    if (this.activeAt(sigma)) requests.forEach((r, i) => r.condition.label !== null && conditional.push(i));
    if (conditional.length === 0) return this.main.velocity(requests, sigma, out);
    while (this.guideOut.length < conditional.length) this.guideOut.push(new Float32Array(this.size));
    const guideOut = this.guideOut.slice(0, conditional.length);
    // One after the other: each worker's session already uses every core, and running the two side by side was not
    // faster when measured (the default generate sampled in 3.6–3.7 s side by side, 3.1–3.8 s in turn).
    await this.main.velocity(requests, sigma, out);
    await this.guide.velocity(
      conditional.map((i) => requests[i]),
      sigma,
      guideOut,
    );
    const lambda = this.settings.weight;
    conditional.forEach((i, k) => {
      const v = out[i];
      const g = guideOut[k];
      for (let j = 0; j < v.length; j++) v[j] += lambda * (v[j] - g[j]);
    });
  }

  scenarioId(label: string | null): number {
    return this.main.scenarioId(label);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.main.dispose(), this.guide.dispose()]);
  }
}
