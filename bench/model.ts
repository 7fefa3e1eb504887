// npm run bench:model [-- --json]
// Per-NFE latency of the shipped model on this machine: one guided evaluation = the conditional and
// unconditional branches batched (batch 2), through the runtime's ONNX worker thread, with 1 and 2
// threads; beside it, the same network in PyTorch when Debian's torch and the training run's
// checkpoint are present (training/bench_torch.py), measured in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NormalRng } from '../src/core/rng.js';
import { numel } from '../src/core/tensor.js';
import { loadShippedModel } from '../src/models/shipped.js';

const json = process.argv.includes('--json');
const root = fileURLToPath(new URL('../../', import.meta.url));

async function onnxMs(threads: number): Promise<number> {
  const model = await loadShippedModel(undefined, { threads });
  try {
    const n = numel(model.network.shape);
    const x = new Float32Array(n);
    new NormalRng(1).fill(x);
    const out = [new Float32Array(n), new Float32Array(n)];
    const label = model.card.scenarios[0].name;
    const call = () => model.network.velocity([{ x, condition: { label } }, { x, condition: { label: null } }], 0.7, 700, out);
    for (let i = 0; i < 3; i++) await call();
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await call();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1];
  } finally {
    await model.dispose();
  }
}

/**
 * The PyTorch weights of the shipped model: the committed float16 EMA weights (training/weights/<card name>.pt),
 * or SELFREFINE_TORCH_RUN (a run directory with ckpt.pt, or another weights file).
 */
const shippedName = (JSON.parse(readFileSync(`${root}models/physics/card.json`, 'utf8')) as { name: string }).name;
const torchRun = process.env.SELFREFINE_TORCH_RUN ?? `${root}training/weights/${shippedName}.pt`;

function torchMs(threads: number): number | null {
  if (!existsSync('/usr/bin/python3') || !(existsSync(`${torchRun}/ckpt.pt`) || (torchRun.endsWith('.pt') && existsSync(torchRun)))) return null;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/python3', [`${root}training/bench_torch.py`, '--run', torchRun, '--threads', String(threads)], { encoding: 'utf8', env });
  if (r.status !== 0) return null;
  return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { batch2MedianMs?: number }).batch2MedianMs ?? null;
}

const result: Record<string, number | null> = {};
for (const threads of [1, 2]) {
  result[`onnxThreads${threads}Ms`] = Number((await onnxMs(threads)).toFixed(2));
  const t = torchMs(threads);
  result[`torchThreads${threads}Ms`] = t === null ? null : Number(t.toFixed(2));
}
if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  for (const threads of [1, 2]) {
    const t = result[`torchThreads${threads}Ms`];
    process.stdout.write(
      `per NFE (cond+uncond, batch 2), ${threads} thread(s): ONNX runtime ${result[`onnxThreads${threads}Ms`]} ms · PyTorch ${t === null ? `n/a (needs /usr/bin/python3 with torch and ${torchRun})` : `${t} ms`}\n`,
    );
  }
}
