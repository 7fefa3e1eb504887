"""Export a run's EMA weights to models/physics/model.onnx + card.json, and verify the ONNX from Node.

env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 training/export_onnx.py --run training/runs/v2 --name physics-v2
Runnable at any time while training runs (reads the last atomic checkpoint). Writes model.onnx and card.json
atomically (model first; the card carries its sha256). Verification: onnxruntime-node vs PyTorch on a random batch,
and the latency of a batch of 2 (cond + uncond) in both.
"""
import argparse
import csv
import datetime
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

import blas  # noqa: F401  (before numpy and torch)
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from common import load_run, save_weights  # noqa: E402
from data import NULL_SCENARIO, SCENARIOS  # noqa: E402


class PlainLayerNorm(torch.nn.Module):
    """LayerNorm without affine, as explicit ops (torch 1.13's opset-17 LayerNormalization export needs a scale)."""

    def __init__(self, eps):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        mu = x.mean(-1, keepdim=True)
        d = x - mu
        return d * torch.rsqrt((d * d).mean(-1, keepdim=True) + self.eps)


def swap_layernorms(m):
    for name, child in m.named_children():
        if isinstance(child, torch.nn.LayerNorm) and not child.elementwise_affine:
            setattr(m, name, PlainLayerNorm(child.eps))
        else:
            swap_layernorms(child)


def store_weights_fp16(m, min_numel=1024):
    """Keep every weight of ≥ min_numel values as a float16 buffer cast to float32 when the module runs.

    Exported without constant folding, the ONNX file then holds float16 initializers and a Cast before each use:
    half the bytes, while onnxruntime computes in float32 as before (it folds the casts once, at session start).
    The float32 weights first become their float16 values, so PyTorch's reference output is what the ONNX computes."""
    count = 0
    for mod in list(m.modules()):
        names = [n for n, p in mod.named_parameters(recurse=False) if p.numel() >= min_numel]
        for n in names:
            half = getattr(mod, n).detach().half()
            del mod._parameters[n]
            mod.register_buffer(n + "_fp16", half)
            setattr(mod, n, half.float())
            count += 1
        if names:
            def cast(mod, _inputs, names=tuple(names)):
                for n in names:
                    setattr(mod, n, getattr(mod, n + "_fp16").float())
            mod.register_forward_pre_hook(cast)
    return count


def last_log_loss(run):
    p = os.path.join(run, "log.csv")
    if not os.path.exists(p):
        return None
    rows = list(csv.DictReader(open(p)))
    return float(rows[-1]["loss_ema"]) if rows else None


def architecture(args, F, h, w):
    if args.get("arch") == "unet":
        return {"type": "video U-Net: (2+1)-D res blocks with FiLM, spatio-temporal self-attention on the two coarse levels",
                "widths": args["widths"], "heads": args["heads"], "levels": [[h >> i, w >> i] for i in range(len(args["widths"]))],
                "groupNormGroups": args.get("groups") or 16, "frames": F}
    return {"type": "factorised spatial/temporal DiT, adaLN-Zero (adaLN-single)", "dim": args["dim"],
            "depth": args["depth"], "heads": args["heads"], "mlpRatio": args["mlp_ratio"],
            "tokenPatch": [1, 2, 2], "tokens": F * (h // 2) * (w // 2)}


# train.py's default dataset (world export --seed 1234, 96,000 clips), on which models/physics/vae.json was fitted
TRAIN96K = os.path.join("training", "data", "train96k")


def run_data_dirs(args):
    """This run's --data directories (train.py's default: train96k)."""
    own = args.get("data") or [TRAIN96K]
    return [own] if isinstance(own, str) else list(own)


def data_dirs(args, commands=()):
    """Every --data directory the weights' lineage trained on (the recorded train.py commands first, then this run's),
    in first-use order; train96k always, since the latent was fitted on it."""
    dirs = [TRAIN96K]
    for line in commands:
        toks = shlex.split(line)
        if "--data" in toks:
            i = toks.index("--data") + 1
            while i < len(toks) and not toks[i].startswith("--"):
                dirs.append(toks[i])
                i += 1
    dirs += run_data_dirs(args)
    seen, out = set(), []
    for d in dirs:
        key = os.path.basename(os.path.normpath(d))
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def dataset_commands(dirs):
    """The world exports that made the training data, one per directory. Directories are named
    world-<clips>-s<seed> (device_train.sh) or train96k (96,000 clips, seed 1234)."""
    out = []
    for d in dirs:
        name = os.path.basename(os.path.normpath(d))
        m = re.fullmatch(r"world-(\d+)-s(\d+)", name)
        clips, seed = (int(m.group(1)), int(m.group(2))) if m else (96000, 1234) if name == "train96k" else (None, None)
        if clips is None:
            out.append(f"(dataset {d}: not a world-<clips>-s<seed> directory; see training/README.md)")
        else:
            out.append(f"node dist/src/cli/main.js world export --clips {clips} --seed {seed} --out training/data/{name}")
    return out


def recorded_commands(run, st):
    """The invocations that led to this run (those of the weights it started from, then its own train.py starts), as
    train.py recorded them in commands.txt; for a weights file (--run FILE), the commands stored in it."""
    if os.path.isfile(run):
        return list(st.get("commands", []))
    p = os.path.join(run, "commands.txt")
    return [line.strip() for line in open(p) if line.strip()] if os.path.exists(p) else []


def train_commands(run, st):
    lines = recorded_commands(run, st)
    if not lines:
        return ["(training commands not recorded: see training/README.md)"]
    # lines with --device cuda ran on a GPU machine (training/device_train.sh), with that machine's python3
    return [("(GPU machine, training/device_train.sh) python3 " if "--device cuda" in line else
             "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 ") + line for line in lines]


def training_info(run, st):
    """The card's account of how a run's weights were trained."""
    args = st["args"]
    rng = list(args.get("sigma_range") or [0.0, 1.0])
    return {"steps": st["step"], "clipsSeen": st["clips_seen"], "datasetClips": st["data_clips"],
            "dataset": "; ".join(dataset_commands(run_data_dirs(args))),
            "batch": args["batch"], "lr": args["lr"], "ema": args["ema"], "pNull": args["p_null"],
            "sigmaSampling": "mixture: %.0f%% U(0,1), else logit-normal(%g,1) (no shift)%s" % (
                100 * args["p_uniform"], args.get("sigma_mean", 0.0),
                "" if rng == [0.0, 1.0] else ", mapped onto [%g, %g]" % tuple(rng)),
            "bf16Autocast": bool(args["bf16"]), "finalLossEma": st.get("loss_ema"),
            "lastLoggedLossEma": last_log_loss(run),
            "checkpointTime": (datetime.datetime.utcfromtimestamp(st["time"]).isoformat() + "Z") if "time" in st else None}


def weights_file(run, written=False):
    """A weights file inside the repository (an existing one, or one this export writes) as a path from the
    repository root, for the card (bench:model runs it in PyTorch); else None."""
    if not run:
        return None
    path = os.path.abspath(run)
    root = os.path.dirname(HERE)
    return os.path.relpath(path, root) if (written or os.path.isfile(path)) and path.startswith(root + os.sep) else None


def export_network(model, st, onnx_path, a):
    """Export one network to onnx_path (atomically) and, unless --no-verify, check onnxruntime-node against PyTorch
    on a random batch and time both on a batch of 2. Returns (bytes, sha256, check figures)."""
    if a.fp16_weights:
        store_weights_fp16(model)
    C, F, h, w = st["latent"]
    gen = torch.Generator().manual_seed(123)

    def inputs(B):
        x = torch.randn((B, C, F, h, w), generator=gen)
        sigma = torch.rand(B, generator=gen)
        scen = torch.randint(0, NULL_SCENARIO + 1, (B,), generator=gen)
        gmask = torch.zeros(B, 1, F, h, w)
        for b in range(B):
            gmask[b, :, : b % 3] = 1.0
        given = torch.randn((B, C, F, h, w), generator=gen) * gmask
        return x, sigma, scen, given, gmask

    names = ["x", "sigma", "scenario", "given", "given_mask"]
    # PyTorch reference (the model exactly as trained) on a random batch + PyTorch latency of batch 2
    check = {}
    with torch.no_grad():
        xin = inputs(a.check_batch)
        v_ref = model(*xin)
        x2 = tuple(t[:2] for t in xin)
        for _ in range(3):
            model(*x2)
        ts = []
        for _ in range(30):
            t0 = time.perf_counter()
            model(*x2)
            ts.append((time.perf_counter() - t0) * 1000)
        ts.sort()
        check["torchBatch2MedianMs"] = ts[len(ts) // 2]
    swap_layernorms(model)
    tmp_onnx = onnx_path + ".tmp"  # torch.onnx.export appends nothing
    with torch.no_grad():
        torch.onnx.export(model, inputs(2), tmp_onnx, input_names=names, output_names=["v"], opset_version=a.opset,
                          dynamic_axes={n: {0: "B"} for n in names + ["v"]}, do_constant_folding=not a.fp16_weights)
    os.replace(tmp_onnx, onnx_path)
    blob = open(onnx_path, "rb").read()
    sha = hashlib.sha256(blob).hexdigest()

    if not a.no_verify:
        with tempfile.TemporaryDirectory() as d:
            metas = []
            for n_, t in zip(names, xin):
                arr = t.numpy().astype(np.int64 if n_ == "scenario" else np.float32)
                arr.tofile(os.path.join(d, n_ + ".bin"))
                metas.append({"name": n_, "dtype": "int64" if n_ == "scenario" else "float32", "shape": list(arr.shape)})
            v_ref.numpy().astype(np.float32).tofile(os.path.join(d, "v_torch.bin"))
            json.dump({"inputs": metas, "threads": a.threads, "timingRuns": 30}, open(os.path.join(d, "meta.json"), "w"))
            r = subprocess.run(["node", os.path.join(HERE, "verify_onnx.mjs"), onnx_path, d], cwd=REPO,
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"ONNX verification failed:\n{r.stderr}")
            res = json.loads(r.stdout.strip().splitlines()[-1])
        check.update({"onnxMaxAbsDiff": res["maxAbsDiff"], "maxAbsV": res["maxAbsRef"], "checkBatch": a.check_batch,
                      "onnxNodeBatch2MedianMs": res["batch2MedianMs"], "threads": a.threads})
        if res["maxAbsDiff"] > 1e-3:
            raise SystemExit(f"ONNX and PyTorch disagree: max |diff| {res['maxAbsDiff']}")
    return blob, sha, check


def extra_network(run, file_name, st, a, F, h, w, fields):
    """A further network of the card (the high-noise expert, the autoguidance network): exported beside model.onnx
    as file_name. Returns (its card entry with `fields`, its checkpoint state), or (None, None) without a run, after
    removing an earlier export's file."""
    path = os.path.join(a.out, file_name)
    if not run:
        if os.path.exists(path):
            os.remove(path)  # an earlier export's network: the new card does not name it
        return None, None
    model, xst = load_run(run, use_ema=True, ckpt_name=a.ckpt)
    if list(xst["latent"]) != list(st["latent"]):
        raise SystemExit(f"{run}: latent {xst['latent']} differs from the main network's {st['latent']}")
    nparams = sum(p.numel() for p in model.parameters())  # before export_network stores the weights as float16 buffers
    blob, sha, check = export_network(model, xst, path, a)
    wf = weights_file(run)
    return {"onnx": file_name, "sha256": sha, **fields, "onnxBytes": len(blob),
            "parameters": nparams, "architecture": architecture(xst["args"], F, h, w),
            "training": training_info(run, xst), "check": check, **({"weightsFile": wf} if wf else {})}, xst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--ckpt", default="ckpt.pt")
    ap.add_argument("--out", default=os.path.join(REPO, "models", "physics"))
    ap.add_argument("--name", required=True, help="the model's name in its card, e.g. physics-v2")
    ap.add_argument("--weights-out", default=None,
                    help="also write the EMA weights (float16) there, e.g. training/weights/physics-v2.pt")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--check-batch", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--fp16-weights", action="store_true",
                    help="store the weights as float16 in the ONNX file (half the size; computed in float32)")
    ap.add_argument("--high-run", default=None,
                    help="a second run (or weights file) exported as the high-noise expert (high.onnx), e.g. one trained "
                         "with --sigma-range 0.8 1; the card's highNoiseExpert names it")
    ap.add_argument("--high-from-sigma", type=float, default=0.8,
                    help="the high-noise expert runs for sigma >= this (default 0.8)")
    ap.add_argument("--guide-run", default=None,
                    help="a weaker network of the same family (an earlier checkpoint) exported as guide.onnx for "
                         "autoguidance; the card's autoguide names it")
    ap.add_argument("--guide-weight", type=float, default=0.33,
                    help="autoguidance weight: the conditional velocity becomes c + weight*(c - guide)")
    ap.add_argument("--guide-from-sigma", type=float, default=0.8, help="the guide runs for sigma >= this")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, st = load_run(a.run, use_ema=True, ckpt_name=a.ckpt)
    nparams = sum(p.numel() for p in model.parameters())
    C, F, h, w = st["latent"]
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, "model.onnx")
    blob, sha, check = export_network(model, st, onnx_path, a)
    high, hst = extra_network(a.high_run, "high.onnx", st, a, F, h, w, {"fromSigma": a.high_from_sigma})
    guide, gst = extra_network(a.guide_run, "guide.onnx", st, a, F, h, w,
                               {"weight": a.guide_weight, "fromSigma": a.guide_from_sigma})

    args = st["args"]
    lat = [C, F, h, w]
    # every exported network's run and checkpoint state, for the reproduce commands
    networks = [(a.run, st)] + [(run, rst) for run, rst in ((a.high_run, hst), (a.guide_run, gst)) if rst is not None]
    card = {
        "name": a.name,
        "description": f"Small video {'U-Net' if args.get('arch') == 'unet' else 'DiT'} (flow matching, velocity target) trained on the selfrefine physics world: "
                       "16 frames of 32x32 RGB, coloured balls; scenario-conditioned, optional first-frame (I2V) conditioning.",
        "onnx": "model.onnx",
        "inputs": [
            {"name": "x", "shape": ["B", *lat], "dtype": "float32", "doc": "noisy normalised latent x_sigma"},
            {"name": "sigma", "shape": ["B"], "dtype": "float32", "doc": "noise level in [0,1] (1 = pure noise)"},
            {"name": "scenario", "shape": ["B"], "dtype": "int64", "doc": f"scenario id 0..{NULL_SCENARIO - 1}; {NULL_SCENARIO} = null (unconditional, for CFG)"},
            {"name": "given", "shape": ["B", *lat], "dtype": "float32", "doc": "clean normalised latent of the given first frames, zeros elsewhere"},
            {"name": "given_mask", "shape": ["B", 1, *lat[1:]], "dtype": "float32", "doc": "1 on given frames (all h,w), 0 elsewhere"},
        ],
        "outputs": [{"name": "v", "shape": ["B", *lat], "dtype": "float32", "doc": "velocity eps - x0"}],
        "convention": "sigma in [0,1]; x = (1-sigma)*x0 + sigma*eps; v = eps - x0; network fed sigma itself (embedding of 1000*sigma)",
        "nullScenarioId": NULL_SCENARIO,
        "scenarios": [{"id": i, "name": n, "prompt": p} for i, (n, p) in enumerate(SCENARIOS)],
        "frames": F,
        "frameSize": [h * 4, w * 4],
        "latentShape": lat,
        "vae": "vae.json",
        "givenFrames": "0, 1 or 2 first frames trained (probabilities %s)" % args["p_given"],
        "architecture": architecture(args, F, h, w),
        "training": training_info(a.run, st),
        "parameters": nparams,
        "weightsDtype": "float16" if a.fp16_weights else "float32",
        **({"weightsFile": wf} if (wf := weights_file(a.weights_out, written=True) or weights_file(a.run)) else {}),
        "onnxBytes": len(blob),
        "opset": a.opset,
        "sha256": sha,
        **({"highNoiseExpert": high} if high else {}),
        **({"autoguide": guide} if guide else {}),
        "check": check,
        "exported": datetime.datetime.utcnow().isoformat(timespec="seconds") + "Z",
        # networks trained from the same chain share their lineage: each command once, in order
        "reproduce": list(dict.fromkeys([
            *(c for run, rst in networks for c in dataset_commands(data_dirs(args, recorded_commands(run, rst)))),
            f"/usr/bin/python3 training/latent.py --data {TRAIN96K} --clips 4000 --out models/physics/vae.json",
            *(c for run, rst in networks for c in train_commands(run, rst)),
            "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 " + " ".join(sys.argv),
        ])),
    }
    tmp = os.path.join(a.out, "card.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(card, f, indent=1)
    os.replace(tmp, os.path.join(a.out, "card.json"))
    if a.weights_out:
        os.makedirs(os.path.dirname(os.path.abspath(a.weights_out)), exist_ok=True)
        save_weights(a.weights_out, st, recorded_commands(a.run, st) + [" ".join(sys.argv)])
    print(json.dumps({"onnx": onnx_path, "bytes": len(blob), "sha256": sha, "step": st["step"], **check,
                      **{key: {k: x[k] for k in ("onnx", "onnxBytes", "sha256", "check")}
                         for key, x in (("highNoiseExpert", high), ("autoguide", guide)) if x}}, indent=1))


if __name__ == "__main__":
    main()
