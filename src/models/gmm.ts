// An exact Gaussian-mixture velocity model: the ideal flow-matching network for data drawn from
// isotropic Gaussian components. For tests, demos and mode-seeking experiments.
//
// With x0 ~ Σ_k w_k N(μ_k, s_k² I) and x = (1−σ)x0 + σε:
//   x | k ~ N((1−σ)μ_k, v_k I),  v_k = (1−σ)² s_k² + σ²
//   E[ε − x0 | x, k] = (σ − (1−σ) s_k²)/v_k · (x − (1−σ)μ_k) − μ_k
// and the velocity is the posterior-weighted sum, weights by log-sum-exp.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { checkLatentShape, formatShape, numel, type LatentShape } from '../core/tensor.js';
import type { Condition, VelocityModel, VelocityRequest } from '../core/model.js';
import { wanTimestep } from './family.js';

export interface MixtureComponent {
  readonly weight: number;
  readonly mean: Float64Array;
  readonly std: number;
  readonly label: string | null;
}

export interface MixtureSpec {
  readonly shape: LatentShape;
  readonly components: readonly MixtureComponent[];
}

const specSchema = z.object({
  shape: z.array(z.number().int().positive()).length(4),
  components: z
    .array(
      z.object({
        weight: z.number().positive(),
        mean: z.array(z.number()),
        std: z.number().nonnegative(),
        label: z.string().optional(),
      }),
    )
    .min(1),
});

/** Validate a parsed JSON value as a mixture spec. `source` names it in error messages. */
export function parseMixtureSpec(value: unknown, source = 'mixture spec'): MixtureSpec {
  const parsed = specSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const shape = checkLatentShape(parsed.data.shape, `${source}: shape`);
  const d = numel(shape);
  const components = parsed.data.components.map((c, i) => {
    if (c.mean.length !== d) {
      throw new UsageError(`${source}: component ${i} has ${c.mean.length} mean values; shape ${formatShape(shape)} needs ${d}`);
    }
    return { weight: c.weight, mean: Float64Array.from(c.mean), std: c.std, label: c.label ?? null };
  });
  return { shape, components };
}

export function readMixtureSpec(path: string): MixtureSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read mixture spec ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseMixtureSpec(json, path);
}

export class GaussianMixtureModel implements VelocityModel {
  readonly shape: LatentShape;
  private readonly size: number;
  private readonly logw: Float64Array;
  private readonly resp: Float64Array;

  constructor(readonly spec: MixtureSpec) {
    this.shape = spec.shape;
    this.size = numel(spec.shape);
    this.logw = new Float64Array(spec.components.length);
    this.resp = new Float64Array(spec.components.length);
  }

  /** Labels that have at least one component. */
  labels(): string[] {
    return [...new Set(this.spec.components.map((c) => c.label).filter((l): l is string => l !== null))];
  }

  /** Wan's flow convention, int(σ·1000): the units of guidance schedules on this model. */
  timestep(sigma: number): number {
    return wanTimestep(sigma);
  }

  async velocity(requests: readonly VelocityRequest[], sigma: number, out: readonly Float32Array[]): Promise<void> {
    for (let r = 0; r < requests.length; r++) this.velocityOne(requests[r], sigma, out[r]);
  }

  /** Components taking part under a condition, with their log prior weights (−∞ = excluded). */
  private priorLogWeights(condition: Condition): void {
    const { components } = this.spec;
    let any = false;
    for (let k = 0; k < components.length; k++) {
      const c = components[k];
      const included = condition.label === null || c.label === condition.label;
      this.logw[k] = included ? Math.log(c.weight) : -Infinity;
      any ||= included;
    }
    if (!any) {
      throw new UsageError(`the mixture has no component with label '${condition.label}'; labels: ${this.labels().join(', ') || '(none)'}`);
    }
  }

  private velocityOne(request: VelocityRequest, sigma: number, out: Float32Array): void {
    const { x } = request;
    const { components } = this.spec;
    const n = this.size;
    if (x.length !== n || out.length !== n) throw new UsageError(`latent has ${x.length} values; the mixture needs ${n}`);
    this.priorLogWeights(request.condition);
    const a = 1 - sigma;
    let maxLog = -Infinity;
    for (let k = 0; k < components.length; k++) {
      if (this.logw[k] === -Infinity) continue;
      const { mean, std } = components[k];
      const variance = a * a * std * std + sigma * sigma;
      let sq = 0;
      for (let j = 0; j < n; j++) {
        const d = x[j] - a * mean[j];
        sq += d * d;
      }
      const lp = this.logw[k] - 0.5 * sq / variance - 0.5 * n * Math.log(variance);
      this.resp[k] = lp;
      if (lp > maxLog) maxLog = lp;
    }
    let total = 0;
    for (let k = 0; k < components.length; k++) {
      const r = this.logw[k] === -Infinity ? 0 : Math.exp(this.resp[k] - maxLog);
      this.resp[k] = r;
      total += r;
    }
    // Accumulate in float64 per element: v = Σ_k r_k [c_k (x − aμ_k) − μ_k].
    for (let j = 0; j < n; j++) {
      let acc = 0;
      const xj = x[j];
      for (let k = 0; k < components.length; k++) {
        const rk = this.resp[k];
        if (rk === 0) continue;
        const { mean, std } = components[k];
        const variance = a * a * std * std + sigma * sigma;
        const coef = (sigma - a * std * std) / variance;
        acc += rk * (coef * (xj - a * mean[j]) - mean[j]);
      }
      out[j] = acc / total;
    }
  }
}
