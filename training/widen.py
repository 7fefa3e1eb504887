"""Widen a trained U-Net without changing what it computes (Net2Net-style), so training can go on with more capacity.

    python3 training/widen.py --from training/weights/physics-v7.pt --factor 1.25 --out wide.pt
    python3 training/train.py --run RUN --init-from wide.pt ...

Every level gets `factor` times its channels, added as whole GroupNorm groups and whole attention heads, so the
old channels' group statistics and attention scores are untouched. Weights from new channels into old ones are
zero and everything else on the new channels keeps PyTorch's default initialisation: the widened network gives the
old network's output exactly (checked here on random inputs), and the gradients reach the new channels from the
first step. Three places concatenate channel blocks and need the block layout kept: FiLM's (scale, shift), the
attention's (q, k, v) and the first block of each up level (upsampled input, skip).
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import build_model, load_weights, save_weights  # noqa: E402


def segments(name, old_shape, new_shape, n_up_first):
    """Per dimension: the number of equal blocks the dimension is made of (old block i maps to the start of new block i)."""
    blocks = [1] * len(old_shape)
    if name.endswith("film.weight") or name.endswith("film.bias"):
        blocks[0] = 2
    if name.endswith("qkv.weight") or name.endswith("qkv.bias"):
        blocks[0] = 3
    if any(name.startswith(p) for p in n_up_first):  # input is cat(h, skip), two halves of the level's width
        if name.endswith("n1.weight") or name.endswith("n1.bias"):
            blocks[0] = 2
        elif name.endswith("conv_s.weight") or name.endswith("skip.weight"):
            blocks[1] = 2
    return blocks


def old_index(old_len, new_len, blocks):
    """Positions in the new dimension that hold the old entries, in old order."""
    ob, nb = old_len // blocks, new_len // blocks
    if ob * blocks != old_len or nb * blocks != new_len:
        raise SystemExit(f"cannot split {old_len} -> {new_len} into {blocks} blocks")
    return torch.cat([torch.arange(ob) + b * nb for b in range(blocks)])


def widen_state(old_sd, new_sd, n_up_first):
    out = {}
    for name, new in new_sd.items():
        old = old_sd[name]
        if old.shape == new.shape:
            out[name] = old.clone()
            continue
        w = new.clone()
        blocks = segments(name, old.shape, new.shape, n_up_first)
        idx = [old_index(o, n, b) for o, n, b in zip(old.shape, new.shape, blocks)]
        if w.ndim >= 2 and old.shape[1] != new.shape[1]:
            # old outputs must not read new inputs
            new_in = torch.ones(new.shape[1], dtype=torch.bool)
            new_in[idx[1]] = False
            rows = torch.zeros(new.shape[0], dtype=torch.bool)
            rows[idx[0]] = True
            w[rows.nonzero()[:, 0][:, None], new_in.nonzero()[:, 0][None, :]] = 0
        w[torch.meshgrid(*idx, indexing="ij")] = old
        out[name] = w
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="src", required=True, help="weights file (export_onnx.py --weights-out)")
    ap.add_argument("--factor", type=float, default=1.25)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    st = load_weights(a.src)
    args = dict(st["args"])
    if args.get("arch") != "unet":
        raise SystemExit("only the U-Net can be widened")
    old_groups = args.get("groups") or 16
    widths, heads = args["widths"], args["heads"]
    for w in widths:
        if w // 4 < old_groups or w % old_groups:
            raise SystemExit(f"width {w} is not {old_groups} whole GroupNorm groups")
    groups = round(old_groups * a.factor)
    new_heads = round(heads * a.factor)
    if abs(groups / old_groups - a.factor) > 1e-9 or abs(new_heads / heads - a.factor) > 1e-9:
        raise SystemExit(f"factor {a.factor} must add whole groups ({old_groups}) and heads ({heads})")
    new_widths = [w // old_groups * groups for w in widths]
    torch.manual_seed(a.seed)
    old = build_model(args, st["latent"])
    old.load_state_dict(st["ema"])
    new_args = dict(args, widths=new_widths, heads=new_heads, groups=groups)
    new = build_model(new_args, st["latent"])
    n_up_first = [f"up.{i}.blocks.0." for i in range(len(widths))]
    new.load_state_dict(widen_state(old.state_dict(), new.state_dict(), n_up_first))

    old.eval(), new.eval()
    C, F, h, w = st["latent"]
    g = torch.Generator().manual_seed(1)
    B = 3
    x = torch.randn(B, C, F, h, w, generator=g)
    sigma = torch.tensor([0.9, 0.5, 0.1])
    scen = torch.tensor([0, 4, 9])
    given = torch.randn(B, C, F, h, w, generator=g)
    mask = (torch.rand(B, 1, F, 1, 1, generator=g) > 0.5).float().expand(B, 1, F, h, w)
    with torch.no_grad():
        err = (old(x, sigma, scen, given, mask) - new(x, sigma, scen, given, mask)).abs().max().item()
    n_old = sum(p.numel() for p in old.parameters())
    n_new = sum(p.numel() for p in new.parameters())
    print(f"widths {widths} -> {new_widths}, heads {heads} -> {new_heads}, groups {old_groups} -> {groups}; "
          f"params {n_old / 1e6:.3f}M -> {n_new / 1e6:.3f}M; max |output difference| {err:.2e}")
    if err > 1e-4:
        raise SystemExit("the widened model does not reproduce the original")
    out = dict(st, args=new_args, ema=new.state_dict())
    cmd = f"training/widen.py --from {a.src} --factor {a.factor} --out {a.out}"
    save_weights(a.out, out, commands=list(st.get("commands", [])) + [cmd])


if __name__ == "__main__":
    main()
