"""Train the physics-world video DiT (flow matching, velocity target).  See training/README.md.

env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 training/train.py --run training/runs/NAME \
    --data training/data/train96k --minutes 600 [--resume]
"""
import argparse
import copy
import csv
import hashlib
import json
import math
import os
import sys
import time

import blas  # noqa: F401  (before numpy and torch)
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import NULL_SCENARIO, NUM_SCENARIOS, SCENARIO_ID, check_scenarios_against_source, load_dataset  # noqa: E402
from latent import LinearVAE  # noqa: E402
from model import count_params  # noqa: E402
from common import build_model, load_weights, save_weights  # noqa: E402


def file_sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def load_latents(data_dir, vae_path, limit=None):
    """Encode the dataset once and cache it (float16) next to the data, keyed by the VAE file hash."""
    key = file_sha(vae_path)[:12]
    cache = os.path.join(data_dir, f"latents-{key}.npy")
    cache_y = os.path.join(data_dir, "scenario-ids.npy")
    if os.path.exists(cache) and os.path.exists(cache_y):
        z = np.load(cache, mmap_mode="r")
        y = np.load(cache_y)
    else:
        videos, y, _ = load_dataset(data_dir)
        vae = LinearVAE.load(vae_path)
        z = np.empty((videos.shape[0], vae.components.shape[0], videos.shape[2], videos.shape[3] // 4, videos.shape[4] // 4), np.float16)
        for s in range(0, videos.shape[0], 4096):
            z[s : s + 4096] = vae.encode(videos[s : s + 4096]).astype(np.float16)
        del videos
        np.save(cache + ".tmp.npy", z)
        os.replace(cache + ".tmp.npy", cache)
        np.save(cache_y + ".tmp.npy", y)
        os.replace(cache_y + ".tmp.npy", cache_y)
    if limit is not None:
        z, y = z[:limit], y[:limit]
    return z, np.asarray(y, dtype=np.int64)  # z may be a memory map; the caller copies it into RAM


def load_all_latents(data_dirs, vae_path, limit=None):
    """Every dataset's latents in one tensor, filled in place: concatenating copies would need twice the RAM."""
    parts = [load_latents(d, vae_path, limit) for d in data_dirs]
    z = torch.empty((sum(p[0].shape[0] for p in parts),) + tuple(parts[0][0].shape[1:]), dtype=torch.float16)
    start = 0
    for zp, _ in parts:
        for s in range(0, zp.shape[0], 8192):
            chunk = np.asarray(zp[s : s + 8192])
            z[start + s : start + s + chunk.shape[0]] = torch.from_numpy(chunk)
        start += zp.shape[0]
    y = torch.from_numpy(np.concatenate([p[1] for p in parts]))
    return z, y


def sample_sigma(n, gen, p_uniform, mean=0.0, lo=0.0, hi=1.0):
    """sigma ~ mixture: with prob p_uniform U(0,1), else logit-normal(mean, 1) = sigmoid(N(mean, 1)). No shift.
    Then mapped affinely onto [lo, hi] (default the whole range).

    A positive mean moves training toward high noise, where a clip's layout and motion are decided; a range such as
    [0.8, 1] trains only there (a high-noise expert, as Wan2.2's A14B pairs two)."""
    dev = gen.device
    s = torch.sigmoid(torch.randn(n, generator=gen, device=dev) + mean)
    u = torch.rand(n, generator=gen, device=dev)
    pick = torch.rand(n, generator=gen, device=dev) < p_uniform
    return (lo + (hi - lo) * torch.where(pick, u, s)).clamp(1e-4, 1.0)


def make_batch(z, y, idx, gen, args):
    x0 = z[idx].float()
    B, C, F = x0.shape[:3]
    dev = x0.device  # the generator's device too (z, y and gen live on the training device)
    lo, hi = getattr(args, "sigma_range", None) or (0.0, 1.0)
    sigma = sample_sigma(B, gen, args.p_uniform, args.sigma_mean, lo, hi)
    eps = torch.randn(x0.shape, generator=gen, device=dev)
    xs = (1 - sigma.view(B, 1, 1, 1, 1)) * x0 + sigma.view(B, 1, 1, 1, 1) * eps
    # given first frames: 0 / 1 / 2 with probabilities p_given
    r = torch.rand(B, generator=gen, device=dev)
    p0, p1, _ = args.p_given
    k = torch.where(r < p0, 0, torch.where(r < p0 + p1, 1, 2))
    fmask = (torch.arange(F, device=dev)[None, :] < k[:, None]).float()  # B F
    gmask = fmask.view(B, 1, F, 1, 1).expand(B, 1, F, x0.shape[3], x0.shape[4]).contiguous()
    given = x0 * gmask
    sc = y[idx].clone()
    drop = torch.rand(B, generator=gen, device=dev) < args.p_null
    sc[drop] = NULL_SCENARIO
    target = eps - x0
    return xs, sigma, sc, given, gmask, target


def parse_scenario_weights(spec):
    """'wall-bounce=1.4,two-collide=1.5' -> a weight per scenario id (unnamed scenarios 1.0); None for uniform."""
    if not spec:
        return None
    w = [1.0] * NUM_SCENARIOS
    for part in spec.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in SCENARIO_ID:
            raise SystemExit(f"--scenario-weights: unknown scenario '{name}'; known: {', '.join(SCENARIO_ID)}")
        try:
            weight = float(value)
        except ValueError:
            raise SystemExit(f"--scenario-weights: '{part}' is not name=number")
        if not weight > 0:
            raise SystemExit(f"--scenario-weights: '{part}': weights must be > 0")
        w[SCENARIO_ID[name]] = weight
    return torch.tensor(w, dtype=torch.float64)


def _cpu_jiffies():
    """(busy jiffies of the whole machine, jiffies of this process) from /proc."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = sum(v) - v[3] - (v[4] if len(v) > 4 else 0)  # minus idle, iowait
    with open("/proc/self/stat") as f:
        st = f.read().rsplit(")", 1)[1].split()
    return busy, int(st[11]) + int(st[12])  # utime + stime


class ThreadChooser:
    """Pick 1 or 2 torch threads from the CPU load of OTHER processes.

    With 2 OpenMP threads on 2 cores, another busy process (the other engineers' tests) makes the threads wait for
    each other: measured 1.25 s/step quiet vs 3-9 s/step contended with 2 threads, ~2.2 s/step with 1 thread.
    Every 10 steps: if other processes used more than 0.3 of a core (from /proc/stat minus this process), use 1
    thread, else 2."""

    WINDOW = 10
    OTHER_LIMIT = 0.3

    def __init__(self, spec):
        self.auto = spec == "auto"
        self.cur = 2 if self.auto else int(spec)
        self.steps, self.t0 = 0, time.time()
        self.other = None
        if self.auto:
            self.j0 = _cpu_jiffies()
        torch.set_num_threads(self.cur)

    def step_done(self):
        if not self.auto:
            return
        self.steps += 1
        if self.steps < self.WINDOW:
            return
        j1 = _cpu_jiffies()
        wall = max(time.time() - self.t0, 1e-3) * os.sysconf("SC_CLK_TCK")
        self.other = max(0.0, ((j1[0] - self.j0[0]) - (j1[1] - self.j0[1])) / wall)
        nxt = 1 if self.other > self.OTHER_LIMIT else 2
        if nxt != self.cur:
            self.cur = nxt
            torch.set_num_threads(nxt)
        self.steps, self.t0, self.j0 = 0, time.time(), j1

    def describe(self):
        return f"threads {self.cur}" + ("" if self.other is None else f" (others {self.other:.2f} cores)")


def cpu_has_native_bf16():
    """avx512_bf16 or AMX. Without them torch 1.13 emulates bf16 matmuls: measured 3 GFLOP/s against 108 in fp32 on
    an AVX2-only EPYC, so autocast would make training 30x slower instead of 2-3x faster."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def pick_device(spec):
    if spec == "auto":
        spec = "cuda" if torch.cuda.is_available() else "cpu"
    if spec == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no GPU (torch.cuda.is_available() is False)")
    if spec not in ("cpu", "cuda"):
        raise SystemExit(f"--device must be cpu, cuda or auto, not '{spec}'")
    return torch.device(spec)


def save_ckpt(path, state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--data", nargs="+", default=[os.path.join(HERE, "data", "train96k")],
                    help="dataset directories (selfrefine world export); several are concatenated")
    ap.add_argument("--vae", default=os.path.join(os.path.dirname(HERE), "models", "physics", "vae.json"))
    ap.add_argument("--limit", type=int, default=None, help="use only the first N clips")
    ap.add_argument("--minutes", type=float, default=60.0, help="wall-clock budget of this invocation")
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init-from", default=None,
                    help="start a new run from committed weights (export_onnx.py --weights-out): model and EMA from "
                         "them, architecture from them, a fresh optimiser; step and clip counts continue")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--dim", type=int, default=192)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--heads", type=int, default=None, help="attention heads (default 3 for the DiT, 4 for the U-Net)")
    ap.add_argument("--mlp-ratio", type=float, default=3.0)
    ap.add_argument("--arch", choices=["dit", "unet"], default="unet")
    ap.add_argument("--widths", type=int, nargs="+", default=[64, 112, 144], help="U-Net channels per level")
    ap.add_argument("--groups", type=int, default=16, help="U-Net GroupNorm groups (at most channels/4)")
    ap.add_argument("--decay-frac", type=float, default=0.0,
                    help="decay the lr linearly to --lr-final over the last fraction of this invocation's --minutes")
    ap.add_argument("--lr-final", type=float, default=0.1, help="final lr as a fraction of --lr (with --decay-frac)")
    ap.add_argument("--scenario-weights", default=None,
                    help="draw clips with these per-scenario weights ('name=w,...', others 1; with replacement) "
                         "instead of epochs of a permutation: more of the scenarios the model still gets wrong")
    ap.add_argument("--p-null", type=float, default=0.1)
    ap.add_argument("--p-uniform", type=float, default=0.3)
    ap.add_argument("--sigma-mean", type=float, default=0.0, help="location of the logit-normal sigma distribution")
    ap.add_argument("--sigma-range", type=float, nargs=2, default=[0.0, 1.0], metavar=("LO", "HI"),
                    help="train only on sigma in [LO, HI] (the sampled sigma mapped onto it), e.g. 0.8 1 for a high-noise expert")
    ap.add_argument("--p-given", type=float, nargs=3, default=[0.5, 0.25, 0.25])
    ap.add_argument("--bf16", type=int, default=None,
                    help="bf16 autocast for matmuls (fp32 master weights); default: on where the CPU has native bf16")
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", default="auto",
                    help="torch threads: a number, or 'auto' (on the CPU 2, switching to 1 while other processes hold "
                         "a core; with a GPU 8)")
    ap.add_argument("--device", default="auto", help="cpu, cuda, or auto (cuda where torch sees a GPU)")
    ap.add_argument("--weights-out", default=None,
                    help="also write compact float16 EMA weights (as export_onnx.py --weights-out) at every checkpoint: "
                         "what a run on a separate GPU machine brings back (its ckpt.pt, with the optimiser, is too big)")
    args = ap.parse_args()
    device = pick_device(args.device)
    args.device = device.type
    if args.bf16 is None:
        args.bf16 = 1 if device.type == "cuda" else int(cpu_has_native_bf16())
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        if args.threads == "auto":
            args.threads = str(min(8, os.cpu_count() or 1))

    threads = ThreadChooser(args.threads)
    check_scenarios_against_source()
    os.makedirs(args.run, exist_ok=True)
    commands_path = os.path.join(args.run, "commands.txt")  # export_onnx.py copies these into the model card
    ckpt_path = os.path.join(args.run, "ckpt.pt")
    resuming = args.resume and os.path.exists(ckpt_path)
    init = None
    if args.init_from and not resuming:
        init = load_weights(args.init_from)
    # a run started from committed weights inherits the commands that made them, so the card reproduces both
    lineage = init.get("commands", []) if init is not None and not os.path.exists(commands_path) else []
    with open(commands_path, "a") as f:
        f.write("".join(line + "\n" for line in lineage) + " ".join(sys.argv) + "\n")
    t_start = time.time()

    z, y = load_all_latents(args.data, args.vae, args.limit)
    z, y = z.to(device), y.to(device)
    N, C, F, h, w = z.shape
    print(f"data {' '.join(args.data)}: {N} clips, latent {tuple(z.shape[1:])}, loaded in {time.time() - t_start:.0f}s", flush=True)

    state = torch.load(ckpt_path, map_location="cpu") if resuming else None
    source = state if state is not None else init
    if source is not None:  # the architecture comes from the checkpoint or the weights
        for k in ("arch", "widths", "dim", "depth", "heads", "mlp_ratio", "groups"):
            setattr(args, k, source["args"].get(k, "dit" if k == "arch" else None))
    if args.heads is None:
        args.heads = 4 if args.arch == "unet" else 3
    model = build_model(vars(args), (C, F, h, w)).to(device)
    ema = copy.deepcopy(model).requires_grad_(False)
    decay, no_decay = [], []
    for n_, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "pos_" in n_ or "y_emb" in n_ else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.99), eps=1e-8)
    gen = torch.Generator(device=device).manual_seed(args.seed)
    step, clips_seen, loss_ema = 0, 0, None
    if state is not None:
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        try:
            gen.set_state(state["gen"])
        except RuntimeError:  # a CPU generator's state on a GPU run, or the reverse: a fresh stream from here on
            gen.manual_seed(args.seed + state["step"])
            print(f"generator state of {ckpt_path} is for another device: reseeded", flush=True)
        step, clips_seen, loss_ema = state["step"], state["clips_seen"], state.get("loss_ema")
        print(f"resumed {ckpt_path} at step {step} ({clips_seen} clips seen)", flush=True)
    elif os.path.exists(ckpt_path):
        raise SystemExit(f"{ckpt_path} exists: pass --resume or choose another --run")
    elif init is not None:
        model.load_state_dict(init["ema"])
        ema.load_state_dict(init["ema"])
        step, clips_seen, loss_ema = init["step"], init["clips_seen"], init.get("loss_ema")
        print(f"initialised from {args.init_from} (step {step}, {clips_seen} clips seen)", flush=True)
    nparams = count_params(model)
    shape = f"widths {args.widths}" if args.arch == "unet" else f"dim {args.dim} depth {args.depth} mlp {args.mlp_ratio}"
    print(f"model {args.arch} {nparams / 1e6:.3f}M params, {shape} heads {args.heads}, batch {args.batch}", flush=True)
    json.dump({"args": vars(args), "params": nparams, "data_clips": N, "latent": [C, F, h, w]},
              open(os.path.join(args.run, "config.json"), "w"), indent=1)

    log_path = os.path.join(args.run, "log.csv")
    new_log = not os.path.exists(log_path)
    logf = open(log_path, "a", newline="")
    logw = csv.writer(logf)
    if new_log:
        logw.writerow(["step", "wall_s", "loss", "loss_ema", "lr", "clips_seen", "sec_per_step"])

    vae_sha = file_sha(args.vae)
    recorded = [line.strip() for line in open(commands_path) if line.strip()]  # what --weights-out files carry

    def checkpoint():
        state = {"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                 "gen": gen.get_state(), "step": step, "clips_seen": clips_seen, "loss_ema": loss_ema,
                 "args": vars(args), "params": nparams, "data": [os.path.abspath(d) for d in args.data],
                 "data_clips": N, "latent": [C, F, h, w], "vae_sha256": vae_sha, "time": time.time()}
        save_ckpt(ckpt_path, state)
        print(f"checkpoint step {step} -> {ckpt_path}", flush=True)
        if args.weights_out:
            save_weights(args.weights_out, state, recorded)

    warm_from = step if init is not None else 0  # a fresh optimiser warms up again
    deadline = t_start + args.minutes * 60
    last_ckpt = time.time()
    t_log, steps_log = time.time(), 0
    perm, pos = torch.randperm(N, generator=gen, device=device), 0
    sw = parse_scenario_weights(args.scenario_weights)
    clip_w = sw.to(device)[y] if sw is not None else None
    ema_params, model_params = list(ema.parameters()), list(model.parameters())
    model.train()
    while time.time() < deadline and (args.max_steps is None or step < args.max_steps):
        if clip_w is not None:
            idx = torch.multinomial(clip_w, args.batch, replacement=True, generator=gen)
        else:
            if pos + args.batch > N:
                perm, pos = torch.randperm(N, generator=gen, device=device), 0
            idx = perm[pos : pos + args.batch]
            pos += args.batch
        xs, sigma, sc, given, gmask, target = make_batch(z, y, idx, gen, args)
        lr = args.lr * min(1.0, (step - warm_from + 1) / args.warmup)
        if args.decay_frac > 0:
            left = (deadline - time.time()) / (args.minutes * 60 * args.decay_frac)  # 1 at decay start, 0 at the end
            lr *= args.lr_final + (1 - args.lr_final) * min(1.0, max(0.0, left))
        for g in opt.param_groups:
            g["lr"] = lr
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bool(args.bf16)):
            pred = model(xs, sigma, sc, given, gmask)
        loss = (pred.float() - target).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        d = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            torch._foreach_mul_(ema_params, d)
            torch._foreach_add_(ema_params, model_params, alpha=1 - d)
        step += 1
        threads.step_done()
        clips_seen += args.batch
        lv = float(loss)
        loss_ema = lv if loss_ema is None else 0.99 * loss_ema + 0.01 * lv
        steps_log += 1
        if step % args.log_every == 0:
            sps = (time.time() - t_log) / steps_log
            logw.writerow([step, round(time.time() - t_start, 1), round(lv, 5), round(loss_ema, 5), lr, clips_seen, round(sps, 3)])
            logf.flush()
            print(f"step {step} loss {lv:.4f} ema {loss_ema:.4f} lr {lr:.2e} {sps:.2f}s/step {threads.describe()}", flush=True)
            t_log, steps_log = time.time(), 0
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            checkpoint()
            last_ckpt = time.time()
    checkpoint()
    print(f"done: step {step}, {clips_seen} clips seen, loss_ema {loss_ema:.4f}", flush=True)


if __name__ == "__main__":
    main()
