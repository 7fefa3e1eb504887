"""Write a PNG montage of a dataset dir: one row per clip (first --rows clips), 16 frames, upscaled.
/usr/bin/python3 training/montage.py DIR out.png [--rows 9] [--scale 3]"""
import argparse
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import load_dataset  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("out")
ap.add_argument("--rows", type=int, default=9)
ap.add_argument("--scale", type=int, default=3)
a = ap.parse_args()
v, _, _ = load_dataset(a.dir, limit=a.rows)
N, _, F, H, W = v.shape
img = np.full((N * (H + 2), F * (W + 2), 3), 255, np.uint8)
for n in range(N):
    for f in range(F):
        img[n * (H + 2): n * (H + 2) + H, f * (W + 2): f * (W + 2) + W] = v[n, :, f].transpose(1, 2, 0)
Image.fromarray(img).resize((img.shape[1] * a.scale, img.shape[0] * a.scale), Image.NEAREST).save(a.out)
