// Everything the benchmark writes besides results.json: results.md (tables), SVG plots, GIF grids and
// mask pictures. All files are written atomically.
import { join } from 'node:path';
import { formatInterval, formatNumber } from '../eval/format.js';
import type { Interval } from '../eval/stats.js';
import { writeFileAtomic } from '../io/atomic.js';
import { formatWeightsId } from '../models/card-loader.js';
import type { CellResult } from './aggregate.js';
import type { BenchResults, MethodInfo } from './bench.js';
import { fromB64, GRID_SAMPLES, type ClipRecord } from './jobs.js';
import { gridGif, maskPng, type GridRow } from './media.js';
import type { MethodSpec } from './methods.js';
import { DEFAULT_METHOD, NO_MASK_KS, tauSeries } from './methods.js';
import { benchPlots, plotData } from './plots.js';
import type { TaskCondition } from './tasks.js';

export interface OutputContext {
  readonly clipsByTask: ReadonlyMap<string, ReadonlyMap<string, readonly ClipRecord[]>>;
  readonly conditions: ReadonlyMap<string, readonly TaskCondition[]>;
  readonly methods: readonly MethodSpec[];
  /** Latent mask size [h, w]. */
  readonly latentHW: readonly [number, number];
}

// ---------- formatting ----------

const RATE_KEYS = new Set(['validity', 'violationRate', 'scenarioMatch', 'winRate']);

/** A metric's interval as a table cell: rates in percent. */
function metricCell(i: Interval | undefined, key = ''): string {
  return formatInterval(i, { percent: RATE_KEYS.has(key) });
}

/** A difference against the default as a table cell: signed, rates in percentage points, * when it excludes 0. */
function diffCell(i: Interval | undefined, key: string): string {
  return formatInterval(i, { percent: RATE_KEYS.has(key), signed: true });
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

const wallOf = (r: BenchResults, group: string, id: string): string => {
  const t = r.timing.cells[group]?.[id];
  return t === undefined || !Number.isFinite(t.relativeToDefault) ? '—' : `${t.relativeToDefault.toFixed(2)}×`;
};

function winCell(c: CellResult, isDefault: boolean): string {
  if (isDefault) return '(reference)';
  const v = c.vsDefault;
  return `${metricCell(v.winRate, 'winRate')} (${v.wins}/${v.ties}/${v.losses})`;
}

// ---------- tables ----------

/** Which samples of each task the run used: their seeds depend only on (task, index). */
function sampleRange(r: BenchResults): string {
  return `samples ${r.firstSample}–${r.firstSample + r.samples - 1}`;
}

function groupTitle(r: BenchResults, key: string): string {
  if (key === 'all') return `All tasks pooled (${r.tasks.map((t) => t.id).join(' + ')}; ${r.samples * r.tasks.length} samples per method)`;
  const t = r.tasks.find((x) => x.id === key);
  return `${t?.label ?? key} (\`${key}\`, ${r.samples} samples per method)`;
}

function groupHasI2v(r: BenchResults, key: string): boolean {
  return key === 'all' ? r.tasks.some((t) => t.givenFrames > 0) : (r.tasks.find((t) => t.id === key)?.givenFrames ?? 0) > 0;
}

function groupTables(r: BenchResults, key: string): string {
  const cells = r.cells[key];
  const ref = r.reference[key];
  const i2v = groupHasI2v(r, key);
  const head1 = ['method', 'NFE', 'wall × default', 'validity', 'physics violation', 'law residual (px)', 'scenario match', ...(i2v ? ['trajectory error (px)'] : []), 'win rate vs default (W/T/L)'];
  const rows1 = r.methods.map((m) => {
    const c = cells[m.id];
    return [
      m.label,
      formatNumber(c.nfe, 1),
      wallOf(r, key, m.id),
      metricCell(c.metrics.validity, 'validity'),
      metricCell(c.metrics.violationRate, 'violationRate'),
      metricCell(c.metrics.lawResidualPx),
      metricCell(c.metrics.scenarioMatch, 'scenarioMatch'),
      ...(i2v ? [metricCell(c.metrics.trajectoryErrorPx)] : []),
      winCell(c, m.id === DEFAULT_METHOD),
    ];
  });
  if (ref !== undefined && ref.n > 0) {
    rows1.push([
      `true clips (floor, n=${ref.n})`,
      '',
      '',
      metricCell(ref.metrics.validity, 'validity'),
      metricCell(ref.metrics.violationRate, 'violationRate'),
      metricCell(ref.metrics.lawResidualPx),
      metricCell(ref.metrics.scenarioMatch, 'scenarioMatch'),
      ...(i2v ? [metricCell(ref.metrics.trajectoryErrorPx)] : []),
      '',
    ]);
  }
  const head2 = ['method', 'flicker', 'motion smoothness', 'dynamic degree', 'Fréchet trajectory distance (px²)', 'precision', 'recall', 'bg drift in clip (RGB)', 'bg colour vs default (RGB)', 'per-frame verifier'];
  const rows2 = r.methods.map((m) => {
    const c = cells[m.id];
    return [
      m.label,
      metricCell(c.metrics.flicker),
      metricCell(c.metrics.motionSmoothness),
      metricCell(c.metrics.dynamicDegree),
      c.set ? metricCell(c.set.frechet) : '—',
      c.set ? formatNumber(c.set.precision) : '—',
      c.set ? formatNumber(c.set.recall) : '—',
      metricCell(c.metrics.bgDrift),
      m.id === DEFAULT_METHOD ? '0 (reference)' : metricCell(c.metrics.bgShift),
      metricCell(c.metrics.perFrame),
    ];
  });
  if (ref !== undefined && ref.n > 0) {
    const sf = ref.setFloor;
    rows2.push([
      'true clips (floor; set metrics: half vs half)',
      metricCell(ref.metrics.flicker),
      metricCell(ref.metrics.motionSmoothness),
      metricCell(ref.metrics.dynamicDegree),
      sf ? formatNumber(sf.frechet.mean) : '—',
      sf ? formatNumber(sf.precision) : '—',
      sf ? formatNumber(sf.recall) : '—',
      metricCell(ref.metrics.bgDrift),
      '',
      '',
    ]);
  }
  return [`### ${groupTitle(r, key)}`, '', table(head1, rows1), '', table(head2, rows2), ''].join('\n');
}

/** The methods of the headline comparison, in order (those present). */
export function headlineMethods(r: BenchResults): MethodInfo[] {
  const pnp = r.methods.find((m) => m.id === 'pnp');
  const K = pnp?.params?.K ?? 2;
  const nomaskK = NO_MASK_KS.reduce((best, k) => (Math.abs(k - K) < Math.abs(best - K) ? k : best), NO_MASK_KS[0]);
  const ids = ['pnp', `pnp-k${nomaskK}-nomask`, 'nfe2', 'bo4-oracle', 'bo4-frame', 'adaptive'];
  return ids.map((id) => r.methods.find((m) => m.id === id)).filter((m): m is MethodInfo => m !== undefined);
}

export function headlineGroup(r: BenchResults): string {
  return r.cells.all !== undefined ? 'all' : r.tasks[0].id;
}

function headline(r: BenchResults): string {
  const key = headlineGroup(r);
  const cells = r.cells[key];
  const def = cells[DEFAULT_METHOD];
  const i2v = groupHasI2v(r, key);
  const ms = headlineMethods(r);
  if (ms.length === 0) return '';
  const lines: string[] = [];
  lines.push(`## Headline: against the default sampler (${key === 'all' ? 'all tasks pooled' : key}, paired on the same seeds)`);
  lines.push('');
  lines.push(
    `Default (${r.methods.find((m) => m.id === DEFAULT_METHOD)?.label}): validity ${metricCell(def.metrics.validity, 'validity')}, ` +
      `violation ${metricCell(def.metrics.violationRate, 'violationRate')}, law residual ${metricCell(def.metrics.lawResidualPx)} px` +
      (i2v ? `, trajectory error ${metricCell(def.metrics.trajectoryErrorPx)} px` : '') +
      `, ${formatNumber(def.nfe, 1)} NFE, ${r.timing.cells[key]?.[DEFAULT_METHOD]?.wallMsPerSample ?? '—'} ms per sample.`,
  );
  lines.push('');
  const head = ['method', 'NFE', 'wall × default', 'Δ validity', 'Δ violation rate', 'Δ law residual (px)', ...(i2v ? ['Δ trajectory error (px)'] : []), 'win rate (W/T/L)'];
  const rows = ms.map((m) => {
    const c = cells[m.id];
    const d = c.vsDefault.diff;
    return [
      m.label,
      formatNumber(c.nfe, 1),
      wallOf(r, key, m.id),
      diffCell(d.validity, 'validity'),
      diffCell(d.violationRate, 'violationRate'),
      diffCell(d.lawResidualPx, 'lawResidualPx'),
      ...(i2v ? [diffCell(d.trajectoryErrorPx, 'trajectoryErrorPx')] : []),
      winCell(c, false),
    ];
  });
  lines.push(table(head, rows));
  lines.push('');
  lines.push('Differences are method − default per sample (same seed and condition), mean with a paired bootstrap 95 % interval; * = the interval excludes 0. Wall-time ratios are measured, not deterministic.');
  lines.push('');
  return lines.join('\n');
}

function ablations(r: BenchResults): string {
  const key = headlineGroup(r);
  const cells = r.cells[key];
  const out: string[] = [];
  const section = (title: string, ms: MethodInfo[], extra: (m: MethodInfo) => string): void => {
    if (ms.length < 2) return;
    out.push(`### ${title}`, '');
    out.push(
      table(
        ['method', 'setting', 'NFE', 'validity', 'Δ validity vs default', 'violation', 'law residual (px)', 'bg colour vs default (RGB)', 'win rate'],
        ms.map((m) => {
          const c = cells[m.id];
          return [m.label, extra(m), formatNumber(c.nfe, 1), metricCell(c.metrics.validity, 'validity'), diffCell(c.vsDefault.diff.validity, 'validity'), metricCell(c.metrics.violationRate, 'violationRate'), metricCell(c.metrics.lawResidualPx), metricCell(c.metrics.bgShift), metricCell(c.vsDefault.winRate, 'winRate')];
        }),
      ),
      '',
    );
  };
  const by = (g: string): MethodInfo[] => r.methods.filter((m) => m.group === g);
  section('K without the mask (τ = 0)', by('pnp-nomask'), (m) => `K = ${m.params?.K}`);
  section('τ of the mask', tauSeries(r), (m) => `τ = ${m.params?.tau}`);
  section('Refinement window', by('window'), (m) => `first ${Math.round(100 * (m.params?.window ?? 0))} %`);
  section('Adaptive P&P against fixed K', [...r.methods.filter((m) => m.id === 'pnp'), ...by('adaptive')], (m) => `${m.config.refine.mode}, NFE saved ${formatNumber(cells[m.id].nfeSaved, 1)}`);
  return out.length ? ['## Ablations (' + (key === 'all' ? 'all tasks pooled' : key) + ')', '', ...out].join('\n') : '';
}

export function resultsMarkdown(r: BenchResults, pictures: readonly string[]): string {
  const lines: string[] = [];
  lines.push(`# selfrefine bench — suite \`${r.suite}\``);
  lines.push('');
  lines.push(
    `Model \`${r.model.name}\` (${formatWeightsId(r.model.sha256)}), ${r.world.width}×${r.world.height}×${r.world.frames} frames; ` +
      `${r.samples} samples per task and method (${sampleRange(r)}), the same seeds and conditions for every method; ` +
      `${r.referenceClips} fresh true clips per task for the floor and the set metrics; bootstrap ${r.resamples} resamples. ` +
      `Run: ${r.timing.runSeconds} s (${r.timing.jobsRun} jobs run, ${r.timing.jobsCached} from the cache, ${r.timing.lanes} lane(s)).`,
  );
  lines.push('');
  lines.push(`Win score: ${r.winScore}`);
  lines.push('');
  lines.push(headline(r));
  for (const key of [...(r.cells.all ? ['all'] : []), ...r.tasks.map((t) => t.id)]) lines.push(groupTables(r, key));
  lines.push(ablations(r));
  lines.push('## Columns');
  lines.push('');
  lines.push(
    [
      '- Rates are percentages; every per-clip column is a mean with a percentile-bootstrap 95 % interval over samples. NFE counts one guided evaluation (cond + uncond) as one; best-of-4 counts all four candidates.',
      '- Physics violation, validity, law residual, scenario match, trajectory error (image-to-video: frames after the given ones against the true continuation), flicker, motion smoothness, dynamic degree: `docs/world.md`.',
      '- The plots use validity and the law residual rather than the violation rate: a clip violates physics when its law residual exceeds 3× the true-clip floor (about 0.03 px), a bar the shipped model\'s clips (about 0.3–0.5 px) do not reach, so its violation rate saturates near 100 % for every method.',
      '- Fréchet trajectory distance, k-NN precision/recall (k = 5): against the fresh true clips of the same scenarios; the Fréchet distance has no interval (a bootstrap over clips duplicates trajectories and biases it upward, past the point estimate). Small sets bias recall down and the Fréchet distance up.',
      '- bg drift in clip: largest distance of the background colour from frame 0. bg colour vs default: distance of the mean background colour from the default sampler\'s clip of the same seed (the over-saturation failure).',
      '- Per-frame verifier: fraction of per-frame appearance checks passed (balls present, whole, right size and colour; no stray colours; right background), each frame judged alone — it cannot see motion.',
      '- best-of-4: candidate 0 is the default sampler\'s sample of the same seed, candidates 1–3 fresh draws; the oracle verifier uses the full physics metrics (and, for image-to-video, the true continuation): an upper bound, not a practical method.',
      '- Restart and FreeInit spend about the same NFE as P&P (matched to its planned extra evaluations).',
    ].join('\n'),
  );
  lines.push('');
  if (pictures.length) {
    lines.push('## Pictures');
    lines.push('');
    for (const p of pictures) lines.push(`- [${p}](${p})`);
    lines.push('');
  }
  return lines.join('\n');
}

// ---------- files ----------

/** Write results.md, the plots, the GIF grids and the mask pictures (not results.json). Returns relative paths. */
export async function writeOutputs(dir: string, r: BenchResults, ctx: OutputContext): Promise<string[]> {
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    writeFileAtomic(join(dir, name), data);
    files.push(name);
  };
  const svgs = await benchPlots(plotData(r, headlineGroup(r)));
  for (const [name, svg] of Object.entries(svgs)) put(name, svg);
  const { width: W, height: H, frames: F } = r.world;
  const pictures: string[] = [];
  const legends: string[] = [];
  for (const task of r.tasks) {
    const byMethod = ctx.clipsByTask.get(task.id);
    const conds = ctx.conditions.get(task.id) ?? [];
    if (byMethod === undefined) continue;
    const cols = Math.min(GRID_SAMPLES, r.samples);
    const rows: GridRow[] = [];
    if (task.givenFrames > 0) rows.push({ label: 'true clip', videos: conds.slice(0, cols).map((c) => c.truth) });
    for (const m of r.methods) {
      const clips = byMethod.get(m.id) ?? [];
      rows.push({ label: m.label, videos: clips.slice(0, cols).map((c) => (c.video !== undefined ? fromB64(c.video) : undefined)) });
    }
    const name = `grid-${task.id}.gif`;
    put(name, gridGif(rows, F, H, W));
    pictures.push(name);
    legends.push(
      `- \`${name}\`: columns = samples ${r.firstSample}–${r.firstSample + cols - 1} (${conds.slice(0, cols).map((c) => c.scenario).join(', ')}); rows top to bottom: ${rows.map((x) => x.label).join('; ')}.`,
    );
    for (const m of r.methods) {
      const clip = byMethod.get(m.id)?.[0];
      if (clip === undefined) continue;
      const png = maskPng(clip, F, H, W, ctx.latentHW[0], ctx.latentHW[1]);
      if (png === null) continue;
      const mname = `masks/${task.id}-${m.id}.png`;
      put(mname, png);
      pictures.push(mname);
    }
  }
  pictures.push(...Object.keys(svgs));
  const md = resultsMarkdown(r, pictures) + (legends.length ? `\n## GIF grids\n\n${legends.join('\n')}\n\nMask pictures (masks/TASK-METHOD.png): sample 0; one row per refined step, one column per frame: that step's x̂0 with the still-uncertain latent cells tinted orange.\n` : '');
  put('results.md', md);
  return files;
}
