"""Encode datasets to the latent cache train.py reads (DIR/latents-<vae sha>.npy), one process per directory.

/usr/bin/python3 training/encode_latents.py training/data/world-96000-s1234 [more dirs]
train.py encodes on its first start anyway; device_train.sh runs one of these per dataset in parallel first.
"""
import argparse
import os
import sys
import time

import blas  # noqa: F401  (before numpy and torch)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train import load_latents  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="+")
    ap.add_argument("--vae", default=os.path.join(os.path.dirname(HERE), "models", "physics", "vae.json"))
    a = ap.parse_args()
    for d in a.data:
        t0 = time.time()
        z, _ = load_latents(d, a.vae)
        print(f"{d}: {z.shape[0]} clips encoded in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
