"""Shared helpers: load a run's checkpoint into a model (EMA weights by default)."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import NUM_SCENARIOS  # noqa: E402
from model import VideoDiT  # noqa: E402
from unet import VideoUNet  # noqa: E402


def build_model(a, latent):
    """The model a run's arguments describe ("arch" absent = the DiT of physics-v1)."""
    C, F, h, w = latent
    if a.get("arch", "dit") == "unet":
        return VideoUNet(channels=C, frames=F, height=h, width=w, widths=tuple(a["widths"]), heads=a["heads"],
                         num_scenarios=NUM_SCENARIOS, groups=a.get("groups") or 16)
    return VideoDiT(channels=C, frames=F, height=h, width=w, dim=a["dim"], depth=a["depth"], heads=a["heads"],
                    num_scenarios=NUM_SCENARIOS, mlp_ratio=a["mlp_ratio"])


def load_run(run, use_ema=True, ckpt_name="ckpt.pt"):
    """A run directory's checkpoint, or a compact weights file written by export_onnx.py --weights-out."""
    if os.path.isfile(run):
        st = load_weights(run)
        m = build_model(st["args"], st["latent"])
        m.load_state_dict(st["ema"])
    else:
        st = torch.load(os.path.join(run, ckpt_name), map_location="cpu")
        m = build_model(st["args"], st["latent"])
        m.load_state_dict(st["ema"] if use_ema else st["model"])
    m.eval()
    return m, st


def save_weights(path, st, commands=()):
    """The EMA weights of a checkpoint in float16 plus what rebuilds the model (about half the ONNX file's size):
    committed beside the shipped model so a later run can measure it in PyTorch or continue training from it."""
    keys = ("args", "latent", "step", "clips_seen", "loss_ema", "data_clips", "vae_sha256", "time")
    out = {k: st[k] for k in keys if k in st}
    out["commands"] = list(commands)  # the train.py / export_onnx.py invocations (repo-relative) that made these weights
    out["ema_fp16"] = {k: (v.half() if v.is_floating_point() else v).detach().cpu() for k, v in st["ema"].items()}
    tmp = path + ".tmp"
    torch.save(out, tmp)
    os.replace(tmp, path)


def load_weights(path):
    st = torch.load(path, map_location="cpu")
    st["ema"] = {k: v.float() if v.is_floating_point() else v for k, v in st.pop("ema_fp16").items()}
    return st
