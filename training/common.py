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
                         num_scenarios=NUM_SCENARIOS)
    return VideoDiT(channels=C, frames=F, height=h, width=w, dim=a["dim"], depth=a["depth"], heads=a["heads"],
                    num_scenarios=NUM_SCENARIOS, mlp_ratio=a["mlp_ratio"])


def load_run(run, use_ema=True, ckpt_name="ckpt.pt"):
    st = torch.load(os.path.join(run, ckpt_name), map_location="cpu")
    m = build_model(st["args"], st["latent"])
    m.load_state_dict(st["ema"] if use_ema else st["model"])
    m.eval()
    return m, st
