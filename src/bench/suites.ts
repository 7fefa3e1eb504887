// The two suites of `selfrefine bench`.
import { UsageError } from '../errors.js';

export type SuiteName = 'paper' | 'quick';

export interface SuiteSpec {
  readonly name: SuiteName;
  readonly description: string;
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
    tasks: ['t2v', 'i2v-1', 'i2v-2'],
    samples: 24,
    referenceClips: 1024,
    resamples: 1000,
  },
  quick: {
    name: 'quick',
    description: 'default, P&P with and without the mask, NFE×2 and best-of-4 on text-to-video and 2-frame image-to-video',
    methods: ['default', 'pnp', 'pnp-k2-nomask', 'nfe2', 'bo4-oracle', 'bo4-frame'],
    tasks: ['t2v', 'i2v-2'],
    samples: 4,
    referenceClips: 256,
    resamples: 500,
  },
};

export function getSuite(name: string): SuiteSpec {
  if (name !== 'paper' && name !== 'quick') throw new UsageError(`unknown suite '${name}'; available: paper, quick`);
  return SUITES[name];
}
