// A complete sampler configuration (what the CLI, presets and the benchmark describe) and the
// presets of the real models (docs/sampling.md, "Presets").
import { UsageError } from '../errors.js';
import type { CfgForm, CfgSchedule } from '../core/guidance.js';
import { flowGrid, karrasRfGrid, explicitGrid, type SigmaGrid } from '../core/schedules.js';
import type { SolverName } from '../core/solvers.js';

export type GridSpec =
  | { readonly kind: 'flow'; readonly shift: number }
  | { readonly kind: 'karras-rf' }
  | { readonly kind: 'explicit'; readonly sigmas: readonly number[] };

export interface GuidanceSpec {
  readonly form: CfgForm;
  /** Guidance scale; with `cfgSchedule`, the scale at and above its boundary. */
  readonly scale: number;
  /**
   * A scale that changes at a timestep of the model: `lowScale` below `boundary` (Wan2.2 A14B: 4 at and above
   * timestep 875, where its high-noise expert runs, 3 below). Which network runs is the model's own business.
   */
  readonly cfgSchedule?: CfgSchedule;
  /** CFG-Zero*: v = 0 for this many first steps (0 = optimised scale only). */
  readonly zeroStar?: { readonly zeroInitSteps: number };
}

export type RefineSpec =
  | { readonly mode: 'none' }
  | {
      readonly mode: 'pnp';
      readonly plan: string;
      readonly tau: number;
      /** Official early exit at 99.9 % certain (default on). */
      readonly earlyExit: boolean;
    }
  | {
      readonly mode: 'adaptive';
      /** Plan of K_max per step. */
      readonly plan: string;
      readonly tau: number;
      /** Stop a step once the uncertain fraction falls below this. */
      readonly stopBelow: number;
    };

export interface RestartSpec {
  readonly atStep: number;
  readonly sigmaHigh: number;
  readonly steps: number;
  readonly repeats: number;
}

export interface FreeInitSpec {
  readonly passes: number;
  readonly sigmaRenoise: number;
  /** Steps of each later pass (default: the grid's steps below σ_re). */
  readonly steps?: number;
}

export interface SamplerConfig {
  readonly solver: SolverName;
  readonly steps: number;
  readonly grid: GridSpec;
  readonly guidance: GuidanceSpec;
  readonly refine: RefineSpec;
  readonly restart?: RestartSpec;
  readonly freeInit?: FreeInitSpec;
}

export function buildGrid(steps: number, spec: GridSpec): SigmaGrid {
  switch (spec.kind) {
    case 'flow':
      return flowGrid(steps, spec.shift);
    case 'karras-rf':
      return karrasRfGrid(steps);
    case 'explicit':
      return explicitGrid(spec.sigmas);
  }
}

export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly config: SamplerConfig;
}

// Plans and τ of the official code (docs/sampling.md, "Presets"). Wan2.1 has no published plan: we use the
// Wan2.2 window (steps 5–35 % of the run) scaled to 50 steps. Cosmos: 35 Karras points plus the
// final σ_min → 0 denoise, i.e. 36 evaluations for "35 steps", as Cosmos's sampler does.
// Plans are written as fractions of the schedule, so that a preset still plans sensibly with another --steps;
// at the preset's own step count they name exactly the official steps (Wan2.1 at 50: 2-7:3, 8-17:1; Wan2.2 T2V at
// 40: 2-5:3, 6-13:1; Wan2.2 I2V at 40: 1-5:3, 6-13:1; Cosmos at 35: 3-8:2, 9-15:1).
export const PRESETS: readonly Preset[] = [
  {
    name: 'wan2.1-t2v-14b',
    description: 'Wan2.1 T2V 14B: 50 UniPC steps, shift 5, CFG 5 (Wan form), P&P τ 0.25',
    config: {
      solver: 'unipc',
      steps: 50,
      grid: { kind: 'flow', shift: 5 },
      guidance: { form: 'wan', scale: 5 },
      refine: { mode: 'pnp', plan: '0.04-0.16:3,0.16-0.36:1', tau: 0.25, earlyExit: true },
    },
  },
  {
    name: 'wan2.1-t2v-1.3b',
    description: 'Wan2.1 T2V 1.3B: 50 UniPC steps, shift 8, CFG 6 (Wan form), P&P τ 0.25',
    config: {
      solver: 'unipc',
      steps: 50,
      grid: { kind: 'flow', shift: 8 },
      guidance: { form: 'wan', scale: 6 },
      refine: { mode: 'pnp', plan: '0.04-0.16:3,0.16-0.36:1', tau: 0.25, earlyExit: true },
    },
  },
  {
    name: 'wan2.2-t2v-a14b',
    description: 'Wan2.2 T2V A14B: 40 UniPC steps, shift 12, CFG 4 / 3 (experts, boundary 875), P&P 2–5:3, 6–13:1 (60 NFE), τ 0.2',
    config: {
      solver: 'unipc',
      steps: 40,
      grid: { kind: 'flow', shift: 12 },
      guidance: { form: 'wan', scale: 4, cfgSchedule: { lowScale: 3, boundary: 875 } },
      refine: { mode: 'pnp', plan: '0.05-0.15:3,0.15-0.35:1', tau: 0.2, earlyExit: true },
    },
  },
  {
    name: 'wan2.2-i2v-a14b',
    description: 'Wan2.2 I2V A14B: 40 UniPC steps, shift 5, CFG 3.5 / 3.5 (experts, boundary 900), P&P 1–5:3, 6–13:1 (63 NFE), mask off',
    config: {
      solver: 'unipc',
      steps: 40,
      grid: { kind: 'flow', shift: 5 },
      guidance: { form: 'wan', scale: 3.5, cfgSchedule: { lowScale: 3.5, boundary: 900 } },
      refine: { mode: 'pnp', plan: '0.025-0.15:3,0.15-0.35:1', tau: 0, earlyExit: true },
    },
  },
  {
    name: 'cosmos-predict2.5-2b',
    description: 'Cosmos-Predict2.5 2B: 35 Karras-RF steps (+ final denoise), CFG 4 (Cosmos form), P&P 3–8:2, 9–15:1, τ 0.5',
    config: {
      solver: 'unipc',
      steps: 35,
      grid: { kind: 'karras-rf' },
      guidance: { form: 'cosmos', scale: 4 },
      refine: { mode: 'pnp', plan: '0.0857-0.25:2,0.25-0.45:1', tau: 0.5, earlyExit: true },
    },
  },
];

/** "CFG 3", or for a scale that changes at a timestep "CFG 6 from timestep 600, 3 below". */
export function describeGuidance(g: GuidanceSpec): string {
  const e = g.cfgSchedule;
  return e === undefined || e.lowScale === g.scale ? `CFG ${g.scale}` : `CFG ${g.scale} from timestep ${e.boundary}, ${e.lowScale} below`;
}

export function findPreset(name: string): Preset {
  const preset = PRESETS.find((p) => p.name === name.toLowerCase());
  if (preset === undefined) {
    throw new UsageError(`unknown preset '${name}'; available: ${PRESETS.map((p) => p.name).join(', ')}`);
  }
  return preset;
}

/**
 * Defaults of `selfrefine generate` for the shipped physics model (models/physics), chosen from
 * measurements on that model (docs/tuning.md).
 */
export const PHYSICS_DEFAULTS: SamplerConfig = {
  solver: 'unipc',
  steps: 20,
  grid: { kind: 'flow', shift: 3 },
  guidance: { form: 'wan', scale: 3 },
  refine: { mode: 'pnp', plan: '1-6:2', tau: 0.25, earlyExit: true },
};
