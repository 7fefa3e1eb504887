// What the web app's "generate" form may ask for (of the physics model or of a model folder), validated, and turned into a sampler configuration through the
// same typed overrides as the CLI's flags (so both accept and refuse the same things).
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { SOLVERS } from '../core/solvers.js';
import { scenarioForPrompt, type CardModel } from '../models/card-loader.js';
import { latentShapeFor, type LatentGeometry } from '../models/family.js';
import { PHYSICS_DEFAULTS, type SamplerConfig } from '../pipeline/config.js';
import { samplerConfigFromOverrides, type SamplerOverrides } from '../pipeline/overrides.js';
import type { CardJobRequest, FolderJobRequest } from './model.js';
import { checkClipLimits, checkWorkLimits, DEFAULT_WORK_LIMITS, type WorkLimits } from './limits.js';

const finite = z.number().finite();

/** The sampler fields both kinds of model accept. */
const samplerFields = {
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  refine: z.enum(['none', 'pnp', 'adaptive']).optional(),
  solver: z.enum(SOLVERS).optional(),
  steps: z.number().int().min(1).max(DEFAULT_WORK_LIMITS.maxSteps).optional(),
  shift: finite.positive().optional(),
  cfg: finite.min(0).max(20).optional(),
  plan: z.string().min(1).optional(),
  tau: z.union([finite.min(0), z.literal('inf')]).optional(),
};

/** A job of the physics model: one of its card's prompts. */
export const GenerateRequestSchema = z.object({ prompt: z.string().min(1), ...samplerFields }).strict();

/** A job of a model folder: any prompt, the clip's frames and size. */
export const FolderRequestSchema = z
  .object({
    prompt: z.string().min(1).max(2000),
    negativePrompt: z.string().max(2000).optional(),
    frames: z.number().int().min(1).optional(),
    width: z.number().int().min(1).optional(),
    height: z.number().int().min(1).optional(),
    ...samplerFields,
  })
  .strict();

export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;
export type FolderRequest = z.infer<typeof FolderRequestSchema>;

/** What a model folder's requests start from. */
export interface FolderRequestBase {
  readonly config: SamplerConfig;
  readonly geometry: LatentGeometry;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new UsageError(`bad request: ${describeIssues(parsed.error)}`);
  return parsed.data;
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
export function jobRequestFrom(model: CardModel, body: unknown, limits: WorkLimits = DEFAULT_WORK_LIMITS): CardJobRequest {
  const r = parseBody(GenerateRequestSchema, body);
  const scenario = scenarioForPrompt(model.card, r.prompt);
  const prompt = model.card.scenarios.find((s) => s.name === scenario)?.prompt ?? r.prompt;
  const config = samplerConfigFromOverrides(PHYSICS_DEFAULTS, samplerOverridesOf(r));
  checkWorkLimits(config, limits);
  return { scenario, prompt, seed: r.seed ?? 0, config };
}

/** A model folder's request body → a queued job; UsageError names what is wrong or over `limits`. */
export function folderJobRequestFrom(base: FolderRequestBase, body: unknown, limits: WorkLimits = DEFAULT_WORK_LIMITS): FolderJobRequest {
  const r = parseBody(FolderRequestSchema, body);
  const frames = r.frames ?? base.frames;
  const width = r.width ?? base.width;
  const height = r.height ?? base.height;
  const shape = latentShapeFor(base.geometry, frames, width, height);
  checkClipLimits(frames, width, height, limits);
  const config = samplerConfigFromOverrides(base.config, samplerOverridesOf(r));
  checkWorkLimits(config, limits);
  return { kind: 'folder', prompt: r.prompt, ...(r.negativePrompt !== undefined ? { negativePrompt: r.negativePrompt } : {}), seed: r.seed ?? 0, config, frames, width, height, shape };
}
