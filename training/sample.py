"""Euler sampling with CFG from a training run; decodes to pixels and writes an eval-ready dataset dir.

env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 training/sample.py --run training/runs/NAME \
    --n 256 --steps 20 --shift 3 --cfg 3 --out /tmp/samples
node dist/src/cli/main.js eval /tmp/samples --json
Conditioning frames: --given K --given-from DIR (a true dataset, e.g. training/data/val512): clip i uses the first K
frames of DIR's clip i and its scenario; the entries carry givenFrames and the true states for the eval.
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
from data import NULL_SCENARIO, SCENARIO_NAMES, load_dataset, write_dataset  # noqa: E402
from latent import LinearVAE  # noqa: E402


def flow_grid(steps, shift):
    s = np.linspace(0.999, 0.0, steps + 1)[:-1]
    s = shift * s / (1 + (shift - 1) * s)
    return np.append(s, 0.0).astype(np.float32)


@torch.no_grad()
def solve(model, x, grid, scen, given, gmask, cfg, high_model=None, boundary=1.0, guide=None):
    """Euler with CFG (Wan form u + cfg*(c - u)) along the sigma grid, from x at grid[0] to grid[-1].
    With high_model, steps from sigma >= boundary use it instead (two experts, as Wan2.2 A14B).
    guide = (network, weight, from_sigma): autoguidance as the TypeScript AutoguidedModel does it, the conditional
    velocity pushed away from a weaker network's, c + weight*(c - guide(c)), for sigma >= from_sigma."""
    B = scen.shape[0]
    null = torch.full_like(scen, NULL_SCENARIO)
    for i in range(len(grid) - 1):
        s, sn = float(grid[i]), float(grid[i + 1])
        sig = torch.full((B,), s)
        net = high_model if high_model is not None and s >= boundary else model
        if cfg == 1.0:
            vc = vu = net(x, sig, scen, given, gmask)
        else:
            out = net(torch.cat([x, x]), torch.cat([sig, sig]), torch.cat([scen, null]),
                        torch.cat([given, given]), torch.cat([gmask, gmask]))
            vc, vu = out[:B], out[B:]
        if guide is not None and guide[1] > 0 and s >= guide[2]:
            vc = vc + guide[1] * (vc - guide[0](x, sig, scen, given, gmask))
        v = vc if cfg == 1.0 else vu + cfg * (vc - vu)
        x = x + (sn - s) * v
    return x


def sample(model, scen, given, gmask, steps, shift, cfg, gen, high_model=None, boundary=1.0, guide=None):
    x = torch.randn(given.shape, generator=gen)
    return solve(model, x, flow_grid(steps, shift), scen, given, gmask, cfg, high_model, boundary, guide)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--ckpt", default="ckpt.pt")
    ap.add_argument("--raw", action="store_true", help="use the raw (non-EMA) weights")
    ap.add_argument("--vae", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", "physics", "vae.json"))
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--shift", type=float, default=3.0)
    ap.add_argument("--cfg", type=float, default=3.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--given", type=int, default=0)
    ap.add_argument("--given-from", default=None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--high-run", default=None, help="a high-noise expert (run or weights file) for sigma >= --high-from-sigma")
    ap.add_argument("--high-from-sigma", type=float, default=0.8)
    ap.add_argument("--guide-run", default=None, help="an autoguidance network (run or weights file), e.g. an earlier checkpoint")
    ap.add_argument("--guide-weight", type=float, default=0.0, help="autoguidance weight on the conditional velocity")
    ap.add_argument("--guide-from-sigma", type=float, default=0.0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, st = load_run(a.run, use_ema=not a.raw, ckpt_name=a.ckpt)
    high = load_run(a.high_run)[0] if a.high_run else None
    guide = (load_run(a.guide_run)[0], a.guide_weight, a.guide_from_sigma) if a.guide_run else None
    vae = LinearVAE.load(a.vae)
    gen = torch.Generator().manual_seed(a.seed)
    scen_ids = np.arange(a.n) % len(SCENARIO_NAMES)
    extra = None
    C, F, h, w = st["latent"]
    given_all = torch.zeros((a.n, C, F, h, w))
    gmask_all = torch.zeros((a.n, 1, F, h, w))
    if a.given > 0:
        vids, ids, entries = load_dataset(a.given_from, limit=a.n)
        assert vids.shape[0] == a.n, "--given-from has fewer clips than --n"
        scen_ids = ids
        zt = torch.from_numpy(vae.encode(vids))
        gmask_all[:, :, : a.given] = 1.0
        given_all = zt * gmask_all
        extra = [{k: e[k] for k in ("states", "balls", "events") if k in e} | {"givenFrames": a.given} for e in entries]
    t0 = time.time()
    outs = []
    for s in range(0, a.n, a.batch):
        sc = torch.from_numpy(np.asarray(scen_ids[s : s + a.batch], dtype=np.int64))
        outs.append(sample(model, sc, given_all[s : s + a.batch], gmask_all[s : s + a.batch], a.steps, a.shift, a.cfg, gen,
                           high, a.high_from_sigma, guide))
    z = torch.cat(outs).numpy()
    dt = time.time() - t0
    videos = vae.decode(z)
    write_dataset(a.out, videos, [SCENARIO_NAMES[i] for i in scen_ids], extra=extra)
    extras = (f", expert from {a.high_from_sigma}" if high else "") + (f", guide weight {a.guide_weight} from {a.guide_from_sigma}" if guide else "")
    print(f"{a.n} samples (step {st['step']}, {a.steps} Euler steps, shift {a.shift}, cfg {a.cfg}{extras}) in {dt:.1f}s -> {a.out}")


if __name__ == "__main__":
    main()
