// npm run bench:model [-- --json]
// Per-NFE latency of the shipped model on this machine: one guided evaluation = the conditional and
// unconditional branches batched (batch 2), through the runtime's ONNX worker thread, with 1 and 2
// threads; beside it, the same network in PyTorch when Debian's torch and the training run's
// weights are present (training/bench_torch.py), measured in the same run. A card with a high-noise expert
// gets both networks measured, each at a σ where the shipped model runs it; a card with an autoguide network gets
// that network measured too, and the whole guided evaluation at high noise (both branches of the main network, then
// the guide's conditional branch, each in its worker).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NormalRng } from '../src/core/rng.js';
import { numel } from '../src/core/tensor.js';
import { AutoguidedModel } from '../src/models/autoguided.js';
import type { VelocityModel } from '../src/core/model.js';
import { loadCardModel } from '../src/models/card-loader.js';

const json = process.argv.includes('--json');
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Network {
  /** `low` for the card's main network (the low-noise expert of a pair), `high` for its high-noise expert, `guide` for its autoguide network. */
  readonly key: 'low' | 'high' | 'guide';
  readonly what: string;
  /** A noise level at which the shipped model runs this network. */
  readonly sigma: number;
  /** Its PyTorch weights: the card's weightsFile, else training/weights/<card name>.pt; SELFREFINE_TORCH_RUN overrides the main one. */
  readonly torchRun: string;
}

interface CardNetworks {
  name: string;
  weightsFile?: string;
  highNoiseExpert?: { fromSigma: number; weightsFile?: string };
  autoguide?: { fromSigma: number; weight: number; weightsFile?: string };
}

const card = JSON.parse(readFileSync(`${root}models/physics/card.json`, 'utf8')) as CardNetworks;
const expert = card.highNoiseExpert;
const guide = card.autoguide;
const highSigma = expert === undefined ? Math.max(0.9, guide?.fromSigma ?? 0) : (1 + expert.fromSigma) / 2;
const networks: Network[] = [
  {
    key: 'low',
    what: expert === undefined ? card.name : `${card.name}, low-noise network`,
    sigma: expert === undefined ? 0.7 : expert.fromSigma / 2,
    torchRun: process.env.SELFREFINE_TORCH_RUN ?? `${root}${card.weightsFile ?? `training/weights/${card.name}.pt`}`,
  },
  ...(expert === undefined
    ? []
    : [{ key: 'high' as const, what: `${card.name}, high-noise expert`, sigma: highSigma, torchRun: expert.weightsFile === undefined ? '' : `${root}${expert.weightsFile}` }]),
  ...(guide === undefined
    ? []
    : [{ key: 'guide' as const, what: `${card.name}, autoguide network`, sigma: highSigma, torchRun: guide.weightsFile === undefined ? '' : `${root}${guide.weightsFile}` }]),
];

/** Median ms of 30 calls after 3 warm-up calls. */
async function medianMs(call: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 3; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/**
 * Median ms per cond+uncond evaluation of each network at its σ, all on one load of the shipped model (every worker
 * started once), and of the whole guided evaluation at high noise when the card has an autoguide network.
 */
async function onnxMs(threads: number): Promise<{ networks: number[]; guided: number | null }> {
  const model = await loadCardModel(undefined, { threads });
  try {
    const n = numel(model.network.shape);
    const x = new Float32Array(n);
    new NormalRng(1).fill(x);
    const out = [new Float32Array(n), new Float32Array(n)];
    const label = model.card.scenarios[0].name;
    const pair = [{ x, condition: { label } }, { x, condition: { label: null } }];
    const guided = model.network instanceof AutoguidedModel ? model.network : null;
    const timed = (net: VelocityModel, sigma: number) => medianMs(() => net.velocity(pair, sigma, out));
    const medians: number[] = [];
    for (const { key, sigma } of networks) medians.push(await timed(guided === null ? model.network : key === 'guide' ? guided.guide : guided.main, sigma));
    return { networks: medians, guided: guided === null ? null : await timed(guided, highSigma) };
  } finally {
    await model.dispose();
  }
}

function torchMs(threads: number, torchRun: string): number | null {
  if (!existsSync('/usr/bin/python3') || !(existsSync(`${torchRun}/ckpt.pt`) || (torchRun.endsWith('.pt') && existsSync(torchRun)))) return null;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/python3', [`${root}training/bench_torch.py`, '--run', torchRun, '--threads', String(threads)], { encoding: 'utf8', env });
  if (r.status !== 0) return null;
  return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { batch2MedianMs?: number }).batch2MedianMs ?? null;
}

// keys as before for the main network (onnxThreads1Ms, torchThreads1Ms, …), prefixed with `high` for the expert and
// `guide` for the autoguide network; guidedOnnxThreadsNMs is the whole guided evaluation at high noise
const key = (net: Pick<Network, 'key'>, kind: 'onnx' | 'torch', threads: number): string =>
  `${net.key === 'low' ? kind : `${net.key}${kind[0].toUpperCase()}${kind.slice(1)}`}Threads${threads}Ms`;
const result: Record<string, number | null> = {};
for (const threads of [1, 2]) {
  const onnx = await onnxMs(threads);
  if (onnx.guided !== null) result[`guidedOnnxThreads${threads}Ms`] = Number(onnx.guided.toFixed(2));
  networks.forEach((net, i) => {
    result[key(net, 'onnx', threads)] = Number(onnx.networks[i].toFixed(2));
    const t = torchMs(threads, net.torchRun);
    result[key(net, 'torch', threads)] = t === null ? null : Number(t.toFixed(2));
  });
}
if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  for (const net of networks) {
    for (const threads of [1, 2]) {
      const t = result[key(net, 'torch', threads)];
      process.stdout.write(
        `${net.what} (σ ${net.sigma}): per NFE (cond+uncond, batch 2), ${threads} thread(s): ONNX runtime ${result[key(net, 'onnx', threads)]} ms · ` +
          `PyTorch ${t === null ? `n/a (needs /usr/bin/python3 with torch and ${net.torchRun || "the card's weightsFile"})` : `${t} ms`}\n`,
      );
    }
  }
  for (const threads of [1, 2]) {
    const g = result[`guidedOnnxThreads${threads}Ms`];
    if (g !== undefined) {
      process.stdout.write(`${card.name}, guided evaluation at σ ${highSigma} (expert's cond+uncond and the guide's cond), ${threads} thread(s): ONNX runtime ${g} ms\n`);
    }
  }
}
