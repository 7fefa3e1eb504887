"""PyTorch latency of one NFE (a cond+uncond batch of 2) of a run's EMA model, for perf/model.ts.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 training/bench_torch.py [--run WEIGHTS_OR_RUN] --threads 1
Prints one JSON line: {"threads": n, "batch2MedianMs": ms}.
"""
import argparse
import json
import os
import sys
import time

import blas  # noqa: F401  (before numpy and torch)
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import load_run  # noqa: E402
from data import NULL_SCENARIO  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", default=None,
                   help="a run directory or a weights file (default: training/weights/<name of models/physics/card.json>.pt)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=30)
    a = p.parse_args()
    if a.run is None:
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        name = json.load(open(os.path.join(repo, "models", "physics", "card.json")))["name"]
        a.run = os.path.join(repo, "training", "weights", f"{name}.pt")
    torch.set_num_threads(a.threads)
    model, st = load_run(a.run)
    C, F, h, w = st["latent"]
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, C, F, h, w, generator=g)
    sigma = torch.tensor([0.7, 0.7])
    scenario = torch.tensor([0, NULL_SCENARIO], dtype=torch.int64)
    given = torch.zeros(2, C, F, h, w)
    mask = torch.zeros(2, 1, F, h, w)
    ts = []
    with torch.no_grad():
        for _ in range(3):
            model(x, sigma, scenario, given, mask)
        for _ in range(a.reps):
            t0 = time.perf_counter()
            model(x, sigma, scenario, given, mask)
            ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    print(json.dumps({"threads": a.threads, "batch2MedianMs": ts[len(ts) // 2], "step": int(st.get("step", -1))}))


if __name__ == "__main__":
    main()
