// A progress bar with ETA and NFE for sampling runs (stderr; silent when stderr is not a terminal).
import cliProgress from 'cli-progress';
import type { StepReport } from '../core/sample.js';

export interface SamplingProgress {
  /** Observer to pass to the sampler; `offsetNfe` shifts counts when several samples share one bar. */
  observe(report: StepReport, offsetNfe?: number): void;
  /** Show `nfe` spent in all (for work that reports totals, e.g. jobs running elsewhere); `step` labels it. */
  show(nfe: number, step: string): void;
  finish(): void;
}

export function samplingProgress(totalNfe: number, label: string, enabled = process.stderr.isTTY === true): SamplingProgress {
  if (!enabled) return { observe() {}, show() {}, finish() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} {bar} {percentage}% | NFE {value}/{total} | step {step} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalNfe, 0, { step: '-' });
  return {
    observe(report, offsetNfe = 0) {
      bar.update(Math.min(totalNfe, offsetNfe + report.nfe), { step: `${report.step + 1}/${report.totalSteps}` });
    },
    show(nfe, step) {
      bar.update(Math.min(totalNfe, nfe), { step });
    },
    finish() {
      bar.update(totalNfe);
      bar.stop();
    },
  };
}
