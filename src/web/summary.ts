// The sampler defaults as GET /api/model shows them (the page's placeholders and its description line).
import { describeGuidance, type SamplerConfig } from '../pipeline/config.js';
import { plannedNfe } from '../pipeline/run.js';

export function defaultsSummary(d: SamplerConfig): Record<string, unknown> {
  return {
    solver: d.solver,
    steps: d.steps,
    shift: d.grid.kind === 'flow' ? d.grid.shift : null,
    cfg: d.guidance.scale,
    cfgLow: d.guidance.cfgSchedule?.lowScale ?? null,
    guidance: describeGuidance(d.guidance),
    refine: d.refine.mode,
    plan: d.refine.mode === 'none' ? null : d.refine.plan,
    tau: d.refine.mode === 'none' ? null : d.refine.tau,
    nfe: plannedNfe(d),
  };
}
