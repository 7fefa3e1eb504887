"""Fixed linear "VAE": PCA of 4x4x3 pixel patches -> C latent channels (C = 24 shipped), then per-channel normalisation.

Pixel scaling: p = u8 / 127.5 - 1  (in [-1, 1]).
Patch vector (48 values) of latent cell (f, i, j): index q = c*16 + dy*4 + dx  ("(c, dy, dx)" row-major),
    patch[q] = p[c, f, 4*i + dy, 4*j + dx],   c in {R,G,B}, dy, dx in 0..3.
Encode:  z[k, f, i, j] = ( sum_q components[k][q] * (patch[q] - pixelMean[q]) - latentMean[k] ) / latentStd[k]
Decode:  patch[q] = pixelMean[q] + sum_k components[k][q] * (z[k, f, i, j] * latentStd[k] + latentMean[k])
         u8 = clamp(round((patch + 1) * 127.5), 0, 255)
components [C][48] are orthonormal rows (principal axes, largest variance first), so decode is the transpose of encode.
Latent of a clip [3, F, H, W] is [C, F, H/4, W/4] (temporal patch 1: latent frame f = pixel frame f).

    python3 training/latent.py --data training/data/train48k --clips 4000 --out models/physics/vae.json
"""
import argparse
import json
import os
import sys

import blas  # noqa: F401  (before numpy)
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PATCH = 4
CHANNELS = 24  # 12 (the first plan) leaves ringing: 4% of true clips stay valid after encode/decode; 24 -> 100%

DOC = (
    "Linear PCA 'VAE' with C = channels latent channels. Pixels p = u8/127.5 - 1 in [-1,1], video layout [3,F,H,W]. "
    "Patch vector of latent cell (f,i,j) has 48 entries, index q = c*16 + dy*4 + dx (order (c,dy,dx), c=R,G,B), "
    "patch[q] = p[c, f, 4i+dy, 4j+dx]. "
    "Encode: z[k,f,i,j] = (sum_q components[k][q]*(patch[q]-pixelMean[q]) - latentMean[k]) / latentStd[k]. "
    "Decode: patch[q] = pixelMean[q] + sum_k components[k][q]*(z[k,f,i,j]*latentStd[k] + latentMean[k]); "
    "u8 = clamp(round((patch+1)*127.5), 0, 255). Latent shape [C, F, H/4, W/4] (temporal patch 1); components is [C][48], row k = principal axis k (largest variance first)."
)


def to_patches(videos_u8):
    """[N,3,F,H,W] uint8 -> [N,F,H/4,W/4,48] float32 in [-1,1], order (c,dy,dx)."""
    N, C, F, H, W = videos_u8.shape
    p = videos_u8.astype(np.float32) / 127.5 - 1.0
    p = p.reshape(N, C, F, H // PATCH, PATCH, W // PATCH, PATCH)  # n c f i dy j dx
    p = p.transpose(0, 2, 3, 5, 1, 4, 6)  # n f i j c dy dx
    return np.ascontiguousarray(p.reshape(N, F, H // PATCH, W // PATCH, C * PATCH * PATCH))


def from_patches(patches):
    """[N,F,h,w,48] float -> [N,3,F,4h,4w] float (pixels in [-1,1] space)."""
    N, F, h, w, _ = patches.shape
    p = patches.reshape(N, F, h, w, 3, PATCH, PATCH).transpose(0, 4, 1, 2, 5, 3, 6)  # n c f i dy j dx
    return p.reshape(N, 3, F, h * PATCH, w * PATCH)


class LinearVAE:
    def __init__(self, d):
        self.pixel_mean = np.asarray(d["pixelMean"], dtype=np.float64)
        self.components = np.asarray(d["components"], dtype=np.float64)  # [12, 48]
        self.latent_mean = np.asarray(d["latentMean"], dtype=np.float64)
        self.latent_std = np.asarray(d["latentStd"], dtype=np.float64)

    @classmethod
    def load(cls, path):
        return cls(json.load(open(path, encoding="utf-8")))

    def encode(self, videos_u8, batch=2048):
        """[N,3,F,H,W] uint8 -> normalised latent float32 [N,12,F,H/4,W/4]."""
        out = []
        A = self.components.T.astype(np.float32)
        m = self.pixel_mean.astype(np.float32)
        lm = self.latent_mean.astype(np.float32)
        ls = self.latent_std.astype(np.float32)
        for s in range(0, videos_u8.shape[0], batch):
            pt = to_patches(videos_u8[s : s + batch])
            z = ((pt - m) @ A - lm) / ls  # n f i j k
            out.append(np.ascontiguousarray(z.transpose(0, 4, 1, 2, 3)))
        return np.concatenate(out, 0)

    def decode_float(self, z):
        """normalised latent [N,12,F,h,w] -> pixels in [-1,1] space (unclamped) [N,3,F,4h,4w]."""
        z = np.asarray(z, dtype=np.float64).transpose(0, 2, 3, 4, 1)
        z = z * self.latent_std + self.latent_mean
        return from_patches(z @ self.components + self.pixel_mean)

    def decode(self, z):
        p = self.decode_float(z)
        return np.clip(np.rint((p + 1.0) * 127.5), 0, 255).astype(np.uint8)


def fit(videos_u8, channels=None):
    C = channels or CHANNELS
    pt = to_patches(videos_u8).reshape(-1, 48).astype(np.float64)
    mean = pt.mean(0)
    X = pt - mean
    cov = X.T @ X / X.shape[0]
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1]
    evals, evecs = evals[order], evecs[:, order]
    comps = evecs[:, :C].T  # [12, 48]
    # deterministic sign: largest-magnitude entry of each component positive
    for k in range(C):
        if comps[k, np.argmax(np.abs(comps[k]))] < 0:
            comps[k] = -comps[k]
    z = X @ comps.T
    lmean = z.mean(0)
    lstd = z.std(0)
    explained = float(evals[:C].sum() / evals.sum())
    return {
        "format": "selfrefine-linear-vae/1",
        "doc": DOC,
        "patch": [PATCH, PATCH],
        "temporalPatch": 1,
        "channels": C,
        "patchOrder": "(c, dy, dx): q = c*16 + dy*4 + dx",
        "pixelScale": "p = u8/127.5 - 1",
        "pixelMean": mean.tolist(),
        "components": comps.tolist(),
        "latentMean": lmean.tolist(),
        "latentStd": lstd.tolist(),
        "explainedVariance": explained,
        "explainedVariancePerChannel": (evals[:C] / evals.sum()).tolist(),
        "fitPatches": int(X.shape[0]),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--clips", type=int, default=4000)
    ap.add_argument("--channels", type=int, default=CHANNELS)
    ap.add_argument("--out", default="models/physics/vae.json")
    a = ap.parse_args()
    from data import load_dataset

    v, _, _ = load_dataset(a.data, limit=a.clips)
    d = fit(v, a.channels)
    d["fitClips"] = int(v.shape[0])
    d["fitData"] = os.path.basename(os.path.normpath(a.data))
    vae = LinearVAE(d)
    rec = vae.decode(vae.encode(v[:500]))
    err = np.abs(rec.astype(np.int32) - v[:500].astype(np.int32))
    d["reconstruction"] = {"clips": 500, "meanAbsU8": float(err.mean()), "maxAbsU8": int(err.max())}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(d, f, indent=1)
    os.replace(tmp, a.out)
    print(f"explained variance {d['explainedVariance']:.5f}; recon mean |err| {err.mean():.3f} u8, max {err.max()}; -> {a.out}")


if __name__ == "__main__":
    main()
