// What the web app's "generate" form may ask for, validated, and turned into a sampler configuration through the
// same typed overrides as the CLI's flags (so both accept and refuse the same things).
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { SOLVERS } from '../core/solvers.js';
import { scenarioForPrompt, type ShippedModel } from '../models/shipped.js';
import { PHYSICS_DEFAULTS } from '../pipeline/config.js';
import { samplerConfigFromOverrides, type SamplerOverrides } from '../pipeline/overrides.js';
import type { CardJobRequest } from './model.js';
import { checkWorkLimits, DEFAULT_WORK_LIMITS, type WorkLimits } from './limits.js';

const finite = z.number().finite();

export const GenerateRequestSchema = z
  .object({
    prompt: z.string().min(1),
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    refine: z.enum(['none', 'pnp', 'adaptive']).optional(),
    solver: z.enum(SOLVERS).optional(),
    steps: z.number().int().min(1).max(DEFAULT_WORK_LIMITS.maxSteps).optional(),
    shift: finite.positive().optional(),
    cfg: finite.min(0).max(20).optional(),
    plan: z.string().min(1).optional(),
    tau: z.union([finite.min(0), z.literal('inf')]).optional(),
  })
  .strict();

export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** The request's sampler fields; plan and τ are ignored when it asks for no refinement (the page's side-by-side). */
export function samplerOverridesOf(r: Pick<GenerateRequest, 'refine' | 'solver' | 'steps' | 'shift' | 'cfg' | 'plan' | 'tau'>): SamplerOverrides {
  const refining = r.refine !== 'none';
  return {
    refine: r.refine,
    solver: r.solver,
    steps: r.steps,
    shift: r.shift,
    cfg: r.cfg,
    plan: refining ? r.plan : undefined,
    tau: refining && r.tau !== undefined ? (r.tau === 'inf' ? Infinity : r.tau) : undefined,
  };
}

/** A request body (already JSON-parsed) → a queued job's request; UsageError names what is wrong or over `limits`. */
export function jobRequestFrom(model: ShippedModel, body: unknown, limits: WorkLimits = DEFAULT_WORK_LIMITS): CardJobRequest {
  const parsed = GenerateRequestSchema.safeParse(body);
  if (!parsed.success) throw new UsageError(`bad request: ${describeIssues(parsed.error)}`);
  const r = parsed.data;
  const scenario = scenarioForPrompt(model.card, r.prompt);
  const prompt = model.card.scenarios.find((s) => s.name === scenario)?.prompt ?? r.prompt;
  const config = samplerConfigFromOverrides(PHYSICS_DEFAULTS, samplerOverridesOf(r));
  checkWorkLimits(config, limits);
  return { scenario, prompt, seed: r.seed ?? 0, config };
}
