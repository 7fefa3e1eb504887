// The suites of `selfrefine bench`: the paper's comparison (full and quick) and the tuning sweep that chose the defaults.
import { UsageError } from '../errors.js';

export type SuiteName = 'paper' | 'quick' | 'tune';
export const SUITE_NAMES: readonly SuiteName[] = ['paper', 'quick', 'tune'];

export interface SuiteSpec {
  readonly name: SuiteName;
  readonly description: string;
  /** Which method list the suite draws from: the comparison (benchMethods) or the defaults sweep (tuningMethods). */
  readonly methodSet: 'comparison' | 'tuning';
  /** Method ids (undefined: all). The default sampler is always added. */
  readonly methods?: readonly string[];
  readonly tasks: readonly string[];
  /** Samples per task (every method sees the same seeds and conditions). */
  readonly samples: number;
  /** Fresh true clips per task for the floor and the set metrics. */
  readonly referenceClips: number;
  /** Bootstrap resamples of the 95 % intervals. */
  readonly resamples: number;
}

export const SUITES: Readonly<Record<SuiteName, SuiteSpec>> = {
  paper: {
    name: 'paper',
    description: 'every method × text-to-video and image-to-video (1 and 2 given frames)',
    methodSet: 'comparison',
    tasks: ['t2v', 'i2v-1', 'i2v-2'],
    samples: 24,
    referenceClips: 1024,
    resamples: 1000,
  },
  quick: {
    name: 'quick',
    description: 'default, P&P with and without the mask, NFE×2 and best-of-4 on text-to-video and 2-frame image-to-video',
    methodSet: 'comparison',
    methods: ['default', 'pnp', 'pnp-k2-nomask', 'nfe2', 'bo4-oracle', 'bo4-frame'],
    tasks: ['t2v', 'i2v-2'],
    samples: 4,
    referenceClips: 256,
    resamples: 500,
  },
  tune: {
    name: 'tune',
    description: 'the sweep the generate defaults were chosen from: solver, steps, shift, CFG, then P&P plan and τ',
    methodSet: 'tuning',
    tasks: ['t2v', 'i2v-1'],
    samples: 32,
    referenceClips: 512,
    resamples: 1000,
  },
};

export function getSuite(name: string): SuiteSpec {
  const suite = SUITE_NAMES.find((n) => n === name);
  if (suite === undefined) throw new UsageError(`unknown suite '${name}'; available: ${SUITE_NAMES.join(', ')}`);
  return SUITES[suite];
}
