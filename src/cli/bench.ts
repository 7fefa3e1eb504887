// `selfrefine bench`: the benchmark of every sampler on the shipped model.
import type { Command } from 'commander';
import { runBench, suiteMethods, type BenchResults } from '../bench/bench.js';
import { headlineGroup, headlineMethods } from '../bench/report.js';
import { getSuite, SUITES } from '../bench/suites.js';
import { formatInterval } from '../eval/format.js';
import { TASKS } from '../bench/tasks.js';
import { addModelOptions, loadModelFromFlags, type ModelFlags } from './model-options.js';
import { PHYSICS_DEFAULTS } from '../pipeline/config.js';
import { parseInteger } from './flags.js';
import { checkRedisUrl } from '../queue/connection.js';
import { runBenchJobsOnQueue } from '../queue/bench.js';

interface BenchFlags extends ModelFlags {
  suite: string;
  samples?: string;
  firstSample?: string;
  out?: string;
  methods?: string;
  tasks?: string;
  workers?: string;
  reference?: string;
  resamples?: string;
  progress?: boolean;
  json?: boolean;
  listMethods?: boolean;
  redis?: string;
}

const list = (s: string | undefined): string[] | undefined =>
  s === undefined
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');

export function registerBenchCommand(program: Command): void {
  const cmd = program
    .command('bench')
    .description('benchmark every sampler (default, baselines, P&P and its ablations) on the shipped model: tables, plots, GIF grids')
    .option('--suite <name>', `paper (${SUITES.paper.description}), quick (${SUITES.quick.description}) or tune (${SUITES.tune.description})`, 'quick')
    .option('--samples <n>', `samples per task (default: paper ${SUITES.paper.samples}, quick ${SUITES.quick.samples}, tune ${SUITES.tune.samples})`)
    .option('--out <dir>', 'output directory (default bench-results/<suite>); finished jobs are cached in DIR/cache and reused')
    .option('--first-sample <n>', 'index of each task\'s first sample (default 0): a run from an index no earlier run reached uses seeds never used to choose a setting')
    .option('--methods <ids>', 'comma-separated method ids instead of the suite\'s (see --list-methods); the default sampler is always run')
    .option('--tasks <ids>', `comma-separated tasks instead of the suite's: ${TASKS.map((t) => t.id).join(', ')}`)
    .option('--workers <n>', 'parallel lanes, each with its own model on one thread (default: min(2, cores))')
    .option('--reference <n>', `fresh true clips per task for the floor and the set metrics (default: paper ${SUITES.paper.referenceClips}, quick ${SUITES.quick.referenceClips}, tune ${SUITES.tune.referenceClips})`)
    .option('--resamples <n>', 'bootstrap resamples of the intervals')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print results.json\'s headline as JSON')
    .option('--list-methods', 'print the method ids and labels of the suite and exit')
    .option('--redis <url>', 'run the jobs on `selfrefine worker` processes through this Redis instead of local lanes (docs/scale.md)');
  addModelOptions(cmd).action(async (flags: BenchFlags) => {
      const suite = getSuite(flags.suite).name;
      if (flags.listMethods === true) {
        for (const m of suiteMethods(SUITES[suite], PHYSICS_DEFAULTS)) process.stdout.write(`${m.id.padEnd(24)} ${m.label}\n`);
        return;
      }
      const out = flags.out ?? `bench-results/${suite}`;
      const redis = flags.redis === undefined ? undefined : checkRedisUrl(flags.redis);
      const { results, files } = await runBench({
        suite,
        out,
        samples: flags.samples !== undefined ? parseInteger(flags.samples, '--samples', 1) : undefined,
        firstSample: flags.firstSample !== undefined ? parseInteger(flags.firstSample, '--first-sample', 0) : undefined,
        methods: list(flags.methods),
        tasks: list(flags.tasks),
        workers: flags.workers !== undefined ? parseInteger(flags.workers, '--workers', 1) : undefined,
        referenceClips: flags.reference !== undefined ? parseInteger(flags.reference, '--reference', 0) : undefined,
        resamples: flags.resamples !== undefined ? parseInteger(flags.resamples, '--resamples', 1) : undefined,
        progress: flags.progress === false ? false : undefined,
        loadModel: (threads) => loadModelFromFlags(flags, threads),
        ...(redis === undefined ? {} : { runPending: (model, jobs, lanes) => runBenchJobsOnQueue(redis, model, jobs, lanes, (line) => void process.stderr.write(`${line}\n`)) }),
      });
      if (flags.json === true) process.stdout.write(`${JSON.stringify(summary(results, out, files))}\n`);
      else process.stdout.write(text(results, out, files.length));
    });
}

function summary(r: BenchResults, out: string, files: string[]): Record<string, unknown> {
  const key = headlineGroup(r);
  return {
    out,
    files,
    seconds: r.timing.runSeconds,
    jobsRun: r.timing.jobsRun,
    jobsCached: r.timing.jobsCached,
    headline: Object.fromEntries(
      headlineMethods(r).map((m) => {
        const c = r.cells[key][m.id];
        return [m.id, { nfe: c.nfe, validityDiff: c.vsDefault.diff.validity, violationRateDiff: c.vsDefault.diff.violationRate, lawResidualPxDiff: c.vsDefault.diff.lawResidualPx, winRate: c.vsDefault.winRate, wallRatio: r.timing.cells[key][m.id].relativeToDefault }];
      }),
    ),
  };
}

function text(r: BenchResults, out: string, nFiles: number): string {
  const key = headlineGroup(r);
  const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}` : '—');
  const lines = [`bench ${r.suite}: ${r.samples} samples × ${r.tasks.length} task(s) × ${r.methods.length} method(s) in ${r.timing.runSeconds} s (${r.timing.jobsRun} jobs run, ${r.timing.jobsCached} cached) → ${out} (${nFiles} files)`];
  const def = r.cells[key].default;
  lines.push(`  default: validity ${pct(def.metrics.validity.mean)} %, violation ${pct(def.metrics.violationRate.mean)} %, ${def.nfe.toFixed(1)} NFE`);
  for (const m of headlineMethods(r)) {
    const c = r.cells[key][m.id];
    const d = c.vsDefault.diff.validity;
    const v = c.vsDefault.diff.violationRate;
    lines.push(
      `  ${m.id.padEnd(16)} Δ validity ${formatInterval(d, { percent: true, signed: true })}, Δ violation ${formatInterval(v, { percent: true, signed: true, bounds: false })}, win rate ${pct(c.vsDefault.winRate.mean)} %, NFE ${c.nfe.toFixed(1)}, wall ${r.timing.cells[key][m.id].relativeToDefault.toFixed(2)}×`,
    );
  }
  return `${lines.join('\n')}\n`;
}
