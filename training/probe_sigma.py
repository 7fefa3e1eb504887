"""Where does a model decide its errors? Noise true clips to a level sigma0, solve back to 0 with the model
(Euler, shift-3 grid below sigma0, CFG 3: the default sampler's grid and guidance), and write an eval-ready set.

A set started at sigma0 keeps the true clip's content above sigma0, so comparing its metrics with the true clips
(sigma0 -> 0) and with samples from pure noise (sigma0 = 1) says in which band of noise levels the failures arise.

    node dist/src/cli/main.js world export --clips 576 --seed 99999 --out /tmp/val576
    PY="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3"
    $PY training/probe_sigma.py --weights training/weights/physics-v7.pt --data /tmp/val576 --n 252 \
        --sigma0 0.5 --out /tmp/probe-0.5
    node dist/src/cli/main.js eval /tmp/probe-0.5
"""
import argparse
import os
import sys
import time

import blas  # noqa: F401  (before numpy and torch)
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import load_run  # noqa: E402
from data import SCENARIO_NAMES, load_dataset, write_dataset  # noqa: E402
from latent import LinearVAE  # noqa: E402
from sample import flow_grid, solve  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True, help="a weights file (export_onnx.py --weights-out) or a run directory")
    ap.add_argument("--data", required=True, help="true clips (world export); their scenarios and states are kept")
    ap.add_argument("--vae", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", "physics", "vae.json"))
    ap.add_argument("--n", type=int, default=252)
    ap.add_argument("--sigma0", type=float, required=True, help="start level in (0, 1]; 1 = sampling from pure noise")
    ap.add_argument("--high-weights", default=None, help="a second model for the steps from sigma >= --boundary")
    ap.add_argument("--boundary", type=float, default=0.8)
    ap.add_argument("--steps", type=int, default=20, help="steps of the full grid; only those below sigma0 run")
    ap.add_argument("--shift", type=float, default=3.0)
    ap.add_argument("--cfg", type=float, default=3.0)
    ap.add_argument("--batch", type=int, default=36)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if not 0.0 < a.sigma0 <= 1.0:
        sys.exit("probe_sigma.py: --sigma0 must be in (0, 1]")
    torch.set_num_threads(a.threads)
    model, _ = load_run(a.weights)
    high = load_run(a.high_weights)[0] if a.high_weights else None
    vae = LinearVAE.load(a.vae)
    vids, ids, entries = load_dataset(a.data, limit=a.n)
    if vids.shape[0] < a.n:
        sys.exit(f"probe_sigma.py: {a.data} has {vids.shape[0]} clips, fewer than --n {a.n}")
    z0 = torch.from_numpy(vae.encode(vids)).float()
    eps = torch.randn(z0.shape, generator=torch.Generator().manual_seed(a.seed))
    grid = [a.sigma0] + [float(s) for s in flow_grid(a.steps, a.shift) if s < a.sigma0 - 1e-6]
    x = (1 - a.sigma0) * z0 + a.sigma0 * eps
    scen = torch.from_numpy(np.asarray(ids, dtype=np.int64))
    zeros = torch.zeros_like(z0[: a.batch])
    mask = torch.zeros_like(z0[: a.batch, :1])
    t0 = time.time()
    outs = []
    for b in range(0, a.n, a.batch):
        n = min(a.batch, a.n - b)
        outs.append(solve(model, x[b : b + n], grid, scen[b : b + n], zeros[:n], mask[:n], a.cfg, high, a.boundary))
    z = torch.cat(outs).numpy()
    extra = [{k: e[k] for k in ("states", "balls", "events") if k in e} for e in entries]
    write_dataset(a.out, vae.decode(z), [SCENARIO_NAMES[i] for i in ids], extra=extra)
    experts = f", steps from sigma >= {a.boundary} by {a.high_weights}" if high else ""
    print(f"{a.n} clips from sigma0 {a.sigma0}{experts} ({len(grid) - 1} Euler steps, cfg {a.cfg}) in {time.time() - t0:.0f}s -> {a.out}")


if __name__ == "__main__":
    main()
