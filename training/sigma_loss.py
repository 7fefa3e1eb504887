"""Held-out flow-matching loss at fixed noise levels, for one or more weights on the same clips and noise.

The training loss averages over every sigma; this splits it, so a model trained on part of the range (a high-noise
expert, --sigma-range) can be compared with the full model where it would run. Conditional branch, no given frames.

    PY="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3"
    node dist/src/cli/main.js world export --clips 576 --seed 99999 --out /tmp/val576
    $PY training/sigma_loss.py --data /tmp/val576 --weights training/weights/physics-v7.pt training/runs/hx1 \
        --sigmas 0.8 0.85 0.9 0.95 1.0
"""
import argparse
import json
import os
import sys

import blas  # noqa: F401  (before numpy and torch)
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import load_run  # noqa: E402
from data import load_dataset  # noqa: E402
from latent import LinearVAE  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@torch.no_grad()
def sigma_losses(model, z0, scen, eps, sigmas, batch):
    """Mean squared velocity error at each sigma, every clip noised with the same eps."""
    zeros = torch.zeros_like(z0[:batch])
    mask = torch.zeros_like(z0[:batch, :1])
    out = []
    for s in sigmas:
        total = 0.0
        for b in range(0, z0.shape[0], batch):
            x0, e = z0[b : b + batch], eps[b : b + batch]
            n = x0.shape[0]
            xs = (1 - s) * x0 + s * e
            v = model(xs, torch.full((n,), s), scen[b : b + batch], zeros[:n], mask[:n])
            total += (v - (e - x0)).pow(2).mean(dim=(1, 2, 3, 4)).sum().item()
        out.append(total / z0.shape[0])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="held-out true clips (world export with a seed no run trained on)")
    ap.add_argument("--weights", nargs="+", required=True, help="weights files or run directories")
    ap.add_argument("--sigmas", type=float, nargs="+", default=[0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9])
    ap.add_argument("--n", type=int, default=576)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--vae", default=os.path.join(REPO, "models", "physics", "vae.json"))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    vids, ids, _ = load_dataset(a.data, limit=a.n)
    z0 = torch.from_numpy(LinearVAE.load(a.vae).encode(vids)).float()
    scen = torch.from_numpy(np.asarray(ids, dtype=np.int64))
    eps = torch.randn(z0.shape, generator=torch.Generator().manual_seed(a.seed))
    print("weights".ljust(40) + "".join(f"{s:>9g}" for s in a.sigmas))
    rows = {}
    for w in a.weights:
        model, st = load_run(w)
        rows[w] = sigma_losses(model, z0, scen, eps, a.sigmas, a.batch)
        print(f"{w} (step {st['step']})"[:40].ljust(40) + "".join(f"{v:9.4f}" for v in rows[w]), flush=True)
    print(json.dumps({"clips": z0.shape[0], "sigmas": a.sigmas, "loss": rows}))


if __name__ == "__main__":
    main()
