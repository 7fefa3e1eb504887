// `selfrefine eval DIR`: metrics of a set of videos beside the ground-truth floor.
import type { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic.js';
import { evaluateDataset, DEFAULT_REFERENCE_CLIPS, DEFAULT_REFERENCE_SEED } from '../eval/evaluate.js';
import { formatReport } from '../eval/report.js';
import { parseIntFlag } from './world.js';

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate a dataset directory (videos.npy + clips.json): validity, physics, temporal and set metrics beside the true-clip floor')
    .argument('<DIR>', 'dataset directory')
    .option('--json', 'print the report as JSON (with perClip)')
    .option('--out <report.json>', 'also write the JSON report to a file')
    .option('--reference <N>', `fresh true clips for the floor and the set metrics (default ${DEFAULT_REFERENCE_CLIPS}; 0 skips them)`)
    .option('--reference-seed <S>', `seed of the fresh true clips (default ${DEFAULT_REFERENCE_SEED})`)
    .option('--resamples <B>', 'bootstrap resamples (default 1000)')
    .action((dir: string, flags: { json?: boolean; out?: string; reference?: string; referenceSeed?: string; resamples?: string }) => {
      const { report } = evaluateDataset(dir, {
        referenceClips: parseIntFlag(flags.reference, '--reference', 0),
        referenceSeed: parseIntFlag(flags.referenceSeed, '--reference-seed', 0),
        resamples: parseIntFlag(flags.resamples, '--resamples', 1, 100000),
      });
      const json = JSON.stringify(report, null, 1);
      if (flags.out !== undefined) writeFileAtomic(flags.out, `${json}\n`);
      process.stdout.write(flags.json === true ? `${json}\n` : `${formatReport(report)}\n`);
    });
}
