// Refinement plans: which outer steps get Predict-and-Perturb, and how many extra evaluations each.
// Step indices are 0-based outer step indices of the σ grid (step i goes from σ_i to σ_{i+1}).
import { UsageError } from '../errors.js';

/** Outer step index → K (extra evaluations at that step; the maximum K for adaptive refinement). */
export type RefinePlan = ReadonlyMap<number, number>;

export const EMPTY_PLAN: RefinePlan = new Map();

const PLAN_HELP = 'expected comma-separated "STEP:K" or "FIRST-LAST:K" items, e.g. "2-5:3,6-13:1", or fractions of the schedule, e.g. "0.05-0.35:2"';

/**
 * Parse "2-5:3,6-13:1" (inclusive ranges of 0-based outer steps). A range written with fractions of the schedule,
 * "0.05-0.35:2", covers the steps i with a·N ≤ i < b·N of an N-step grid (so "0.05-0.35" of 40 steps is 2-13), and
 * needs `steps`. Parts separated by ';' and prefixed "high:" or "low:" are per expert of a two-expert model: their
 * steps and fractions count within that expert's share of the grid, the first `highSteps` steps for the high-noise
 * expert and the rest for the low-noise one ("high:0.1-0.5:2;low:0-1:1"). An empty string is the empty plan.
 */
export function parsePlan(text: string, steps?: number, highSteps?: number): RefinePlan {
  const plan = new Map<number, number>();
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'none') return plan;
  for (const rawPart of trimmed.split(';')) {
    const part = /^\s*(high|low)\s*:(.*)$/.exec(rawPart);
    if (part === null) {
      addItems(plan, rawPart, text, 0, steps, steps);
      continue;
    }
    if (steps === undefined || highSteps === undefined) {
      throw new UsageError(`refinement plan part '${rawPart.trim()}' is per expert, which needs a two-expert schedule: a wan2.2 preset or --cfg-boundary`);
    }
    const high = part[1] === 'high';
    addItems(plan, part[2], text, high ? 0 : highSteps, high ? highSteps : steps - highSteps, steps, `${part[1]}-noise expert`);
  }
  return plan;
}

/** Items of one part, whose steps count from `base` over `count` steps (`expert` names the share in errors). */
function addItems(plan: Map<number, number>, items: string, text: string, base: number, count: number | undefined, steps: number | undefined, expert?: string): void {
  for (const rawItem of items.split(',')) {
    const item = rawItem.trim();
    const m = /^(\d*\.?\d+)(?:\s*-\s*(\d*\.?\d+))?\s*:\s*(-?\d+)$/.exec(item);
    if (m === null) throw new UsageError(`malformed refinement plan item '${item}' in '${text}': ${PLAN_HELP}`);
    const k = Number(m[3]);
    let first: number;
    let last: number;
    if (m[1].includes('.') || (m[2] ?? '').includes('.')) {
      if (count === undefined) throw new UsageError(`refinement plan item '${item}' is written in fractions of the schedule, which need the number of steps`);
      const a = Number(m[1]);
      const b = m[2] === undefined ? a : Number(m[2]);
      if (!(a >= 0 && b <= 1 && a <= b)) throw new UsageError(`refinement plan range '${item}': fractions must satisfy 0 ≤ FIRST ≤ LAST ≤ 1`);
      // Half-open [a·N, b·N): ranges that share a boundary never share a step, at any step count.
      first = Math.ceil(a * count - 1e-9);
      last = m[2] === undefined ? first : Math.ceil(b * count - 1e-9) - 1;
      if (last < first) continue;
    } else {
      first = Number(m[1]);
      last = m[2] === undefined ? first : Number(m[2]);
      if (last < first) throw new UsageError(`refinement plan range '${item}' runs backwards; write FIRST-LAST with FIRST ≤ LAST`);
      if (expert !== undefined && count !== undefined && last >= count) {
        throw new UsageError(`refinement plan item '${item}' names step ${last} of the ${expert}, which has steps 0..${count - 1} of ${steps}`);
      }
    }
    if (k < 0) throw new UsageError(`refinement plan item '${item}' has K = ${k}; K must be ≥ 0`);
    for (let i = base + first; i <= base + last; i++) {
      if (plan.has(i)) throw new UsageError(`refinement plan '${text}' names step ${i} twice`);
      if (k > 0) plan.set(i, k);
    }
  }
}

/** The shorthand plan: K extra evaluations at each of the first ⌈fraction·steps⌉ steps (from `start`). */
export function windowPlan(steps: number, fraction: number, k: number, start = 0): RefinePlan {
  if (!(fraction >= 0 && fraction <= 1)) throw new UsageError(`refinement window must be a fraction in [0, 1], got ${fraction}`);
  if (!Number.isInteger(k) || k < 0) throw new UsageError(`K must be an integer ≥ 0, got ${k}`);
  const plan = new Map<number, number>();
  const end = Math.ceil(fraction * steps - 1e-9);
  if (k > 0) for (let i = start; i < end; i++) plan.set(i, k);
  return plan;
}

/** Check a plan against the number of steps of the grid it will run on. */
export function checkPlan(plan: RefinePlan, steps: number): void {
  for (const [step, k] of plan) {
    if (!Number.isInteger(step) || step < 0 || step >= steps) {
      throw new UsageError(`refinement plan names step ${step}, but the grid has steps 0..${steps - 1}`);
    }
    if (!Number.isInteger(k) || k < 0) throw new UsageError(`refinement plan gives step ${step} K = ${k}; K must be an integer ≥ 0`);
  }
}

/** NFE a plan adds when every inner iteration runs (no early exit). */
export function planExtraNfe(plan: RefinePlan): number {
  let total = 0;
  for (const k of plan.values()) total += k;
  return total;
}

export function formatPlan(plan: RefinePlan): string {
  const steps = [...plan.keys()].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < steps.length) {
    let j = i;
    const k = plan.get(steps[i]);
    while (j + 1 < steps.length && steps[j + 1] === steps[j] + 1 && plan.get(steps[j + 1]) === k) j++;
    parts.push(i === j ? `${steps[i]}:${k}` : `${steps[i]}-${steps[j]}:${k}`);
    i = j + 1;
  }
  return parts.join(',');
}
