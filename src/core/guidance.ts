// Guided velocity (docs/sampling.md, "Guidance"): one call = one NFE, however many network branches it batches.
import { ModelOutputError, UsageError } from '../errors.js';
import { UNCONDITIONAL, type Condition, type VelocityModel } from './model.js';
import { allFinite, numel, type LatentShape } from './tensor.js';

/** Where in the sampling run an evaluation happens. Inner P&P evaluations reuse their outer step's info. */
export interface StepInfo {
  readonly step: number;
  readonly sigma: number;
}

/** The guided velocity a sampler integrates. */
export interface GuidedVelocity {
  readonly shape: LatentShape;
  /** The model's timestep at σ (for reports). */
  timestep(sigma: number): number;
  /** Writes v into `out`; returns the number of function evaluations spent (0 where guidance skips the model). */
  evaluate(x: Float32Array, info: StepInfo, out: Float32Array): Promise<number>;
}

/** `wan`: v = v_u + g·(v_c − v_u). `cosmos`: v = v_c + g·(v_c − v_u). */
export type CfgForm = 'wan' | 'cosmos';

/**
 * A guidance scale that changes at a timestep of the model (VelocityModel.timestep): `lowScale` below `boundary`,
 * the main scale at and above it (Wan2.2 A14B: CFG 4 on the high-noise expert's steps, 3 below timestep 875).
 * Which network answers is the model's business (two experts are one VelocityModel).
 */
export interface CfgSchedule {
  readonly lowScale: number;
  readonly boundary: number;
}

export interface GuidanceOptions {
  readonly model: VelocityModel;
  readonly condition: Condition;
  readonly uncondition?: Condition;
  /** Guidance scale (at and above a schedule's boundary). Wan form g = 1 and Cosmos form g = 0 skip the unconditional branch. */
  readonly scale?: number;
  readonly schedule?: CfgSchedule;
  readonly form?: CfgForm;
  /** CFG-Zero*: optimised scale s*, and v = 0 for the first `zeroInitSteps` steps. */
  readonly zeroStar?: { readonly zeroInitSteps: number };
}

function checkScale(scale: number, what: string): void {
  if (!Number.isFinite(scale)) throw new UsageError(`${what} must be a finite number, got ${scale}`);
}

/** Build the guided velocity for a model, condition and CFG settings. */
export function guidedVelocity(options: GuidanceOptions): GuidedVelocity {
  const form = options.form ?? 'wan';
  const uncond = options.uncondition ?? UNCONDITIONAL;
  const zeroInit = options.zeroStar?.zeroInitSteps ?? 0;
  if (!Number.isInteger(zeroInit) || zeroInit < 0) throw new UsageError(`zero-init steps must be an integer ≥ 0, got ${zeroInit}`);
  const { model, schedule } = options;
  const mainScale = options.scale ?? 1;
  checkScale(mainScale, 'guidance scale');
  if (schedule !== undefined) checkScale(schedule.lowScale, 'guidance scale below the boundary');
  const scaleAt = (timestep: number): number => (schedule !== undefined && timestep < schedule.boundary ? schedule.lowScale : mainScale);
  const shape = model.shape;
  const n = numel(shape);
  const vc = new Float32Array(n);
  const vu = new Float32Array(n);
  const both = [vc, vu];
  const condOnly = [vc];

  return {
    shape,
    timestep: (sigma) => model.timestep(sigma),
    async evaluate(x, info, out) {
      if (info.step < zeroInit) {
        out.fill(0);
        return 0;
      }
      const timestep = model.timestep(info.sigma);
      const scale = scaleAt(timestep);
      const skipUncond = form === 'wan' ? scale === 1 : scale === 0;
      if (skipUncond) {
        await model.velocity([{ x, condition: options.condition }], info.sigma, condOnly);
        out.set(vc);
      } else {
        await model.velocity(
          [
            { x, condition: options.condition },
            { x, condition: uncond },
          ],
          info.sigma,
          both,
        );
        combine(out, vc, vu, scale, form, options.zeroStar !== undefined);
      }
      if (!allFinite(out)) {
        throw new ModelOutputError(
          `the model returned a non-finite velocity (NaN or Inf) at step ${info.step} (σ = ${info.sigma.toPrecision(4)}, timestep ${timestep}); ` +
            'check the model file and its inputs',
        );
      }
      return 1;
    },
  };
}

function combine(out: Float32Array, vc: Float32Array, vu: Float32Array, g: number, form: CfgForm, zeroStar: boolean): void {
  const n = out.length;
  let s = 1;
  if (zeroStar) {
    let dot = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      dot += vc[i] * vu[i];
      norm += vu[i] * vu[i];
    }
    s = dot / (norm + 1e-8);
  }
  if (form === 'wan') {
    // v = s·v_u + g·(v_c − s·v_u)
    for (let i = 0; i < n; i++) {
      const u = s * vu[i];
      out[i] = u + g * (vc[i] - u);
    }
  } else {
    // v = v_c + g·(v_c − s·v_u)
    for (let i = 0; i < n; i++) out[i] = vc[i] + g * (vc[i] - s * vu[i]);
  }
}
