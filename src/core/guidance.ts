// Guided velocity (SPEC §5): one call = one NFE, however many network branches it batches.
import { ModelOutputError, UsageError } from '../errors.js';
import { isVelocityModel, UNCONDITIONAL, type Condition, type VelocityModel } from '../models/contract.js';
import { allFinite, numel, sameShape, type LatentShape } from './tensor.js';

/** Where in the sampling run an evaluation happens. Inner P&P evaluations reuse their outer step's info. */
export interface StepInfo {
  readonly step: number;
  readonly sigma: number;
  readonly timestep: number;
}

/** The guided velocity a sampler integrates. */
export interface GuidedVelocity {
  readonly shape: LatentShape;
  /** Writes v into `out`; returns the number of function evaluations spent (0 where guidance skips the model). */
  evaluate(x: Float32Array, info: StepInfo, out: Float32Array): Promise<number>;
}

/** `wan`: v = v_u + g·(v_c − v_u). `cosmos`: v = v_c + g·(v_c − v_u). */
export type CfgForm = 'wan' | 'cosmos';

export interface Expert {
  readonly model: VelocityModel;
  /** Guidance scale used with this expert. */
  readonly scale: number;
}

export interface GuidanceOptions {
  /** A single network, or two experts switched by timestep (Wan2.2 A14B). */
  readonly model: VelocityModel | ExpertPair;
  readonly condition: Condition;
  readonly uncondition?: Condition;
  /** Guidance scale (ignored for experts, which carry their own). Wan form g = 1 and Cosmos form g = 0 skip the unconditional branch. */
  readonly scale?: number;
  readonly form?: CfgForm;
  /** CFG-Zero*: optimised scale s*, and v = 0 for the first `zeroInitSteps` steps. */
  readonly zeroStar?: { readonly zeroInitSteps: number };
}

export interface ExpertPair {
  readonly high: Expert;
  readonly low: Expert;
  /** The high-noise expert runs while timestep ≥ boundary. */
  readonly boundary: number;
}

function checkScale(scale: number, what: string): void {
  if (!Number.isFinite(scale)) throw new UsageError(`${what} must be a finite number, got ${scale}`);
}

/** Build the guided velocity for a model (or pair of experts), condition and CFG settings. */
export function guidedVelocity(options: GuidanceOptions): GuidedVelocity {
  const form = options.form ?? 'wan';
  const uncond = options.uncondition ?? UNCONDITIONAL;
  const zeroInit = options.zeroStar?.zeroInitSteps ?? 0;
  if (!Number.isInteger(zeroInit) || zeroInit < 0) throw new UsageError(`zero-init steps must be an integer ≥ 0, got ${zeroInit}`);
  const source = options.model;
  const route = !isVelocityModel(source)
    ? (() => {
        const { high, low, boundary } = source;
        checkScale(high.scale, 'high-noise expert guidance scale');
        checkScale(low.scale, 'low-noise expert guidance scale');
        if (!sameShape(high.model.shape, low.model.shape)) throw new UsageError('the two experts must share one latent shape');
        return (timestep: number): Expert => (timestep >= boundary ? high : low);
      })()
    : (() => {
        const expert: Expert = { model: source, scale: options.scale ?? 1 };
        checkScale(expert.scale, 'guidance scale');
        return (): Expert => expert;
      })();
  const shape = route(Infinity).model.shape;
  const n = numel(shape);
  const vc = new Float32Array(n);
  const vu = new Float32Array(n);
  const both = [vc, vu];
  const condOnly = [vc];

  return {
    shape,
    async evaluate(x, info, out) {
      if (info.step < zeroInit) {
        out.fill(0);
        return 0;
      }
      const { model, scale } = route(info.timestep);
      const skipUncond = form === 'wan' ? scale === 1 : scale === 0;
      if (skipUncond) {
        await model.velocity([{ x, condition: options.condition }], info.sigma, info.timestep, condOnly);
        out.set(vc);
      } else {
        await model.velocity(
          [
            { x, condition: options.condition },
            { x, condition: uncond },
          ],
          info.sigma,
          info.timestep,
          both,
        );
        combine(out, vc, vu, scale, form, options.zeroStar !== undefined);
      }
      if (!allFinite(out)) {
        throw new ModelOutputError(
          `the model returned a non-finite velocity (NaN or Inf) at step ${info.step} (σ = ${info.sigma.toPrecision(4)}, timestep ${info.timestep}); ` +
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
