// Typed overrides of a sampler configuration: a preset (or a base configuration) changed option by option. The
// CLI fills SamplerOverrides from its flags and the web API from its JSON; both go through
// samplerConfigFromOverrides, so both accept and refuse the same things with the same one-line errors.
import { UsageError } from '../errors.js';
import type { CfgForm } from '../core/guidance.js';
import { formatPlan, windowPlan } from '../core/plan.js';
import { SOLVERS, type SolverName } from '../core/solvers.js';
import { findPreset, type FreeInitSpec, type GridSpec, type GuidanceSpec, type RefineSpec, type RestartSpec, type SamplerConfig } from './config.js';
import { resolvePlan } from './run.js';

export type RefineMode = RefineSpec['mode'];

export const REFINE_MODES: readonly RefineMode[] = ['none', 'pnp', 'adaptive'];

export interface SamplerOverrides {
  /** Start from this preset instead of the base configuration. */
  readonly preset?: string;
  readonly solver?: SolverName;
  readonly steps?: number;
  /** Flow-grid shift (Wan/diffusers σ grid). */
  readonly shift?: number;
  /** An explicit σ grid, high to low (0 appended when missing); excludes `shift`. */
  readonly sigmas?: readonly number[];
  /** Guidance scale (with a CFG schedule: the scale at and above its boundary). */
  readonly cfg?: number;
  /** Guidance scale below `cfgBoundary`. */
  readonly cfgLow?: number;
  /** The model's timestep from which `cfg` applies instead of `cfgLow`. */
  readonly cfgBoundary?: number;
  readonly cfgForm?: CfgForm;
  /** CFG-Zero*: the optimised scale, with `zeroInit` steps of v = 0 (default 1). */
  readonly cfgZeroStar?: boolean;
  readonly zeroInit?: number;
  readonly refine?: RefineMode;
  /** A plan "STEP-STEP:K,…" (steps, fractions of the schedule, or per expert). */
  readonly plan?: string;
  /** Shorthand plan: refine the first `window` fraction of the steps with `k` extra evaluations each. */
  readonly window?: number;
  readonly k?: number;
  /** Uncertainty threshold τ (0 = mask off, Infinity = plain steps). */
  readonly tau?: number;
  /** The official early exit once 99.9 % of positions are certain (default on). */
  readonly earlyExit?: boolean;
  /** Adaptive refinement: stop a step once the uncertain fraction is below this. */
  readonly stopBelow?: number;
  /** Restart baseline: the grid step at which to jump back. */
  readonly restart?: number;
  readonly restartSigma?: number;
  readonly restartSteps?: number;
  readonly restartRepeats?: number;
  /** FreeInit baseline: total sampling passes. */
  readonly freeinit?: number;
  readonly freeinitSigma?: number;
  readonly freeinitSteps?: number;
}

export type OverrideField = keyof SamplerOverrides;

/** How an error names a field: the CLI says `--cfg-low`, the web API `cfgLow`. */
export type FieldLabel = (field: OverrideField) => string;

/** Settings used when neither a base configuration nor a preset is given. */
export const DEFAULT_SAMPLER_CONFIG: SamplerConfig = {
  solver: 'euler',
  steps: 30,
  grid: { kind: 'flow', shift: 3 },
  guidance: { form: 'wan', scale: 1 },
  refine: { mode: 'none' },
};

type Check = (n: number) => boolean;

interface Requirement {
  readonly ok: Check;
  readonly text: string;
}

const finite: Requirement = { ok: Number.isFinite, text: 'a finite number' };
const positive: Requirement = { ok: (n) => Number.isFinite(n) && n > 0, text: 'a positive number' };
const fraction: Requirement = { ok: (n) => n >= 0 && n <= 1, text: 'a fraction in [0, 1]' };
const openSigma: Requirement = { ok: (n) => n > 0 && n < 1, text: 'a σ in (0, 1)' };
const integerFrom = (min: number, note = ''): Requirement => ({ ok: (n) => Number.isInteger(n) && n >= min, text: `an integer ≥ ${min}${note}` });

function shown(n: number): string {
  return n === Infinity ? 'inf' : String(n);
}

/** Validates one overridden number; undefined stays undefined. */
class Checker {
  constructor(
    private readonly overrides: SamplerOverrides,
    readonly label: FieldLabel,
  ) {}

  number(field: OverrideField, requirement: Requirement): number | undefined {
    const v = this.overrides[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || Number.isNaN(v) || !requirement.ok(v)) {
      throw new UsageError(`${this.label(field)} must be ${requirement.text}, got ${typeof v === 'number' ? shown(v) : `'${String(v)}'`}`);
    }
    return v;
  }

  choice<T extends string>(field: OverrideField, choices: readonly T[]): T | undefined {
    const v = this.overrides[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
      throw new UsageError(`${this.label(field)} must be one of ${choices.join(', ')}, got '${String(v)}'`);
    }
    return v as T;
  }
}

/** The base configuration (or `overrides.preset`'s) changed by each given override; UsageError names a bad one. */
export function samplerConfigFromOverrides(base: SamplerConfig, overrides: SamplerOverrides, label: FieldLabel = (f) => f): SamplerConfig {
  const c = new Checker(overrides, label);
  const start = overrides.preset !== undefined ? findPreset(overrides.preset).config : base;
  const solver = c.choice('solver', SOLVERS) ?? start.solver;
  const steps = c.number('steps', integerFrom(1)) ?? start.steps;
  const grid = gridFrom(c, overrides, start.grid);
  const stepCount = grid.kind === 'explicit' ? (grid.sigmas[grid.sigmas.length - 1] === 0 ? grid.sigmas.length - 1 : grid.sigmas.length) : steps;
  const guidance = guidanceFrom(c, overrides, start.guidance);
  const refine = refineFrom(c, overrides, start.refine, stepCount);
  const config: SamplerConfig = { solver, steps: stepCount, grid, guidance, refine };
  // The plan is checked against the grid here, before any model is loaded (per-expert parts with Wan's timesteps).
  resolvePlan(config);
  return { ...config, restart: restartFrom(c, overrides) ?? start.restart, freeInit: freeInitFrom(c, overrides) ?? start.freeInit };
}

function gridFrom(c: Checker, o: SamplerOverrides, base: GridSpec): GridSpec {
  if (o.sigmas !== undefined) {
    if (o.shift !== undefined) throw new UsageError(`give either ${c.label('sigmas')} or ${c.label('shift')}, not both`);
    const bad = o.sigmas.find((s) => !(s >= 0 && s <= 1));
    if (bad !== undefined || o.sigmas.length === 0) throw new UsageError(`${c.label('sigmas')} must be σ values in [0, 1]${bad !== undefined ? `, got ${shown(bad)}` : ''}`);
    return { kind: 'explicit', sigmas: [...o.sigmas] };
  }
  const shift = c.number('shift', positive);
  return shift !== undefined ? { kind: 'flow', shift } : base;
}

function guidanceFrom(c: Checker, o: SamplerOverrides, base: GuidanceSpec): GuidanceSpec {
  let guidance = { ...base };
  const scale = c.number('cfg', finite);
  if (scale !== undefined) {
    guidance = { ...guidance, scale, cfgSchedule: guidance.cfgSchedule !== undefined ? { ...guidance.cfgSchedule, lowScale: scale } : undefined };
  }
  const cfgLow = c.number('cfgLow', finite);
  const cfgBoundary = c.number('cfgBoundary', { ok: (n) => Number.isFinite(n) && n > 0, text: 'a positive timestep' });
  if (cfgLow !== undefined || cfgBoundary !== undefined) {
    const boundary = cfgBoundary ?? guidance.cfgSchedule?.boundary;
    if (boundary === undefined) throw new UsageError(`${c.label('cfgLow')} needs ${c.label('cfgBoundary')} <timestep> (this preset has no expert boundary)`);
    const lowScale = cfgLow ?? guidance.cfgSchedule?.lowScale ?? guidance.scale;
    guidance = { ...guidance, cfgSchedule: { lowScale, boundary } };
  }
  const form = c.choice<CfgForm>('cfgForm', ['wan', 'cosmos']);
  if (form !== undefined) guidance = { ...guidance, form };
  const zeroInit = c.number('zeroInit', integerFrom(0));
  if (o.cfgZeroStar === true || zeroInit !== undefined) guidance = { ...guidance, zeroStar: { zeroInitSteps: zeroInit ?? 1 } };
  return guidance;
}

function refineFrom(c: Checker, o: SamplerOverrides, base: RefineSpec, steps: number): RefineSpec {
  const planned = o.plan !== undefined || o.window !== undefined;
  const mode = c.choice('refine', REFINE_MODES) ?? (planned && base.mode === 'none' ? 'pnp' : base.mode);
  if (mode === 'none') {
    for (const field of ['plan', 'window', 'tau', 'k'] as const) {
      if (o[field] !== undefined) throw new UsageError(`${c.label(field)} needs ${c.label('refine')} pnp or ${c.label('refine')} adaptive`);
    }
    return { mode: 'none' };
  }
  if (o.plan !== undefined && o.window !== undefined) throw new UsageError(`give either ${c.label('plan')} or ${c.label('window')}/${c.label('k')}, not both`);
  const window = c.number('window', fraction);
  const k = c.number('k', integerFrom(0, ' (K < 0 is meaningless)'));
  let plan = base.mode !== 'none' ? base.plan : '';
  if (o.plan !== undefined) plan = o.plan;
  else if (window !== undefined || k !== undefined) plan = formatPlan(windowPlan(steps, window ?? 0.2, k ?? 2));
  else if (plan === '') plan = formatPlan(windowPlan(steps, 0.2, 2));
  const tau = c.number('tau', { ok: (n) => n >= 0, text: 'a number ≥ 0 (0 turns the mask off, inf reproduces plain steps)' }) ?? (base.mode !== 'none' ? base.tau : 0.25);
  if (mode === 'pnp') return { mode, plan, tau, earlyExit: o.earlyExit !== false };
  const stopBelow = c.number('stopBelow', fraction) ?? (base.mode === 'adaptive' ? base.stopBelow : 0.05);
  if (!(tau > 0)) throw new UsageError('adaptive refinement needs τ > 0: with the mask off no position ever becomes certain');
  return { mode, plan, tau, stopBelow };
}

function restartFrom(c: Checker, o: SamplerOverrides): RestartSpec | undefined {
  const atStep = c.number('restart', integerFrom(1));
  if (atStep === undefined) {
    if (o.restartSigma !== undefined || o.restartSteps !== undefined || o.restartRepeats !== undefined) {
      throw new UsageError(`${c.label('restartSigma')}, ${c.label('restartSteps')} and ${c.label('restartRepeats')} need ${c.label('restart')} <step>`);
    }
    return undefined;
  }
  return {
    atStep,
    sigmaHigh: c.number('restartSigma', openSigma) ?? 0.9,
    steps: c.number('restartSteps', integerFrom(1)) ?? 3,
    repeats: c.number('restartRepeats', integerFrom(1)) ?? 1,
  };
}

function freeInitFrom(c: Checker, o: SamplerOverrides): FreeInitSpec | undefined {
  const passes = c.number('freeinit', integerFrom(1));
  if (passes === undefined) {
    if (o.freeinitSigma !== undefined || o.freeinitSteps !== undefined) throw new UsageError(`${c.label('freeinitSigma')} and ${c.label('freeinitSteps')} need ${c.label('freeinit')} <passes>`);
    return undefined;
  }
  const steps = c.number('freeinitSteps', integerFrom(1));
  return { passes, sigmaRenoise: c.number('freeinitSigma', openSigma) ?? 0.95, ...(steps !== undefined ? { steps } : {}) };
}
