// `selfrefine eval DIR`: metrics of a set of videos beside the ground-truth floor.
import type { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic.js';
import { evaluateBatch, evaluateDataset, DEFAULT_REFERENCE_CLIPS, DEFAULT_REFERENCE_SEED } from '../eval/evaluate.js';
import { formatReport } from '../eval/report.js';
import { checkSameClips, comparePaired, formatComparison } from '../eval/compare.js';
import { loadDataset } from '../world/dataset/load.js';
import { parseOptionalInteger } from './flags.js';

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
    .option('--against <BASE_DIR>', 'also compare with another set of the same clips (same seeds and prompts), pair by pair: DIR − BASE_DIR')
    .action((dir: string, flags: { json?: boolean; out?: string; reference?: string; referenceSeed?: string; resamples?: string; against?: string }) => {
      const resamples = parseOptionalInteger(flags.resamples, '--resamples', 1, 100000);
      const ds = loadDataset(dir);
      const base = flags.against === undefined ? null : loadDataset(flags.against);
      if (base !== null) checkSameClips(ds.clips, base.clips);
      const { report, generated } = evaluateDataset(ds, {
        referenceClips: parseOptionalInteger(flags.reference, '--reference', 0),
        referenceSeed: parseOptionalInteger(flags.referenceSeed, '--reference-seed', 0),
        resamples,
      });
      const paired =
        base === null
          ? null
          : comparePaired(
              generated.map((e) => e.metrics),
              evaluateBatch(base.videos, base.clips, base.world).map((e) => e.metrics),
              { resamples },
            );
      const json = JSON.stringify(paired === null ? report : { ...report, paired: { against: flags.against, ...paired } }, null, 1);
      if (flags.out !== undefined) writeFileAtomic(flags.out, `${json}\n`);
      const text = paired === null ? formatReport(report) : `${formatReport(report)}\n\n${formatComparison(paired, { a: dir, b: flags.against ?? '' })}`;
      process.stdout.write(flags.json === true ? `${json}\n` : `${text}\n`);
    });
}
