// What the web app's "generate" form may ask for, validated, and turned into a sampler configuration the
// same way the CLI turns its flags into one (so both accept and refuse the same things).
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { SOLVERS } from '../core/solvers.js';
import { scenarioForPrompt, type ShippedModel } from '../models/shipped.js';
import { PHYSICS_DEFAULTS } from '../pipeline/config.js';
import { samplerConfigFromFlags, type SamplerFlags } from '../cli/sampler-options.js';
import type { JobRequest } from './jobs.js';
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

/** A request body (already JSON-parsed) → a queued job's request; UsageError names what is wrong or over `limits`. */
export function jobRequestFrom(model: ShippedModel, body: unknown, limits: WorkLimits = DEFAULT_WORK_LIMITS): JobRequest {
  const parsed = GenerateRequestSchema.safeParse(body);
  if (!parsed.success) throw new UsageError(`bad request: ${describeIssues(parsed.error)}`);
  const r = parsed.data;
  const scenario = scenarioForPrompt(model.card, r.prompt);
  const flags: SamplerFlags = {
    refine: r.refine,
    solver: r.solver,
    steps: r.steps?.toString(),
    shift: r.shift?.toString(),
    cfg: r.cfg?.toString(),
    plan: r.refine === 'none' ? undefined : r.plan,
    tau: r.refine === 'none' || r.tau === undefined ? undefined : String(r.tau),
  };
  const prompt = model.card.scenarios.find((s) => s.name === scenario)?.prompt ?? r.prompt;
  const config = samplerConfigFromFlags(flags, PHYSICS_DEFAULTS);
  checkWorkLimits(config, limits);
  return { scenario, prompt, seed: r.seed ?? 0, config };
}
