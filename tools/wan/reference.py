"""Reference sampler in PyTorch for the tiny Wan fixtures: Wan's sampling loop with Predict-and-Perturb, on the same
weights as the ONNX files, to check `selfrefine generate --model DIR` against.

One run, with the arguments of the CLI (the model folder must be one of a fixture set built by export.py: its
manifest.json names the seed of each network):
    /usr/bin/python3 tools/wan/reference.py --model test/fixtures/wan-tiny/t2v --prompt-embeds pos.npy \
        --negative-embeds neg.npy --frames 17 --size 64x48 --init init.npy --noise stream.npy --solver euler \
        --steps 20 --shift 5 --cfg 5 [--cfg-low 3 --cfg-boundary 875] [--refine pnp --plan 1-6:2 --tau 0.25] --out x.npy
prints `nfe N` and writes the final latent [16,F,H,W] float32.
All the reference cases of a fixture set (inputs, args.json, expected.npy):
    /usr/bin/python3 tools/wan/reference.py --make-cases test/fixtures/wan-tiny

What it computes (float64 arithmetic around the float32 network; the network itself is the module that was exported):
- σ grid: shift(linspace(0.999, 0, N+1)[:-1]) with shift(σ) = s·σ/(1+(s−1)·σ), then 0; the network's timestep is
  float(int64(σ·1000)) as a [1] tensor.
- Text: each [L,4096] embedding zero-padded to [512,4096]. CFG in Wan's form v = u + g·(c − u), two runs of the
  network (prompt, then negative). With --cfg-low/--cfg-boundary: g = cfg while timestep ≥ boundary, else cfg-low;
  a folder with transformer_2 runs `transformer` (high-noise expert) while timestep ≥ boundary, `transformer_2` below.
- Euler: x' = x + (σ' − σ)·v. UniPC: Wan's FlowUniPCMultistepScheduler (bh2, order 2, data prediction,
  lower-order final, corrector on), written as its uni_p / uni_c updates on the history of data predictions.
- Predict-and-Perturb as the official self-refine-video loop: at a planned step, K times: x_k = (1−σ)·x0 + σ·ε_k with
  ε_k the next latent of --noise (one per Perturb), the same timestep and expert; x0_k = x_k − σ·v_k;
  U = mean over channels of |x0_k − x0| per (frame, h, w); certain ∪= U < τ; where uncertain, x0 and the step's
  candidate take iteration k's; stop once more than 99.9 % of positions are certain. With UniPC the candidate of
  iteration k is the predictor started from x_k with x0_k as the newest data prediction and the step's own history;
  the step is committed once with the fused start point and x0 (the composition docs/sampling.md documents).
- Float16-I/O folders: network inputs rounded to float16, outputs read back as float32, as at the ONNX boundary.
"""
import argparse
import functools
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
import blas  # noqa: F401,E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, HERE)
import ort  # noqa: E402
from model import TEXT_DIM, TEXT_LEN  # noqa: E402
from export import tiny_transformer  # noqa: E402

EARLY_EXIT = 0.001


# ---------------------------------------------------------------------------------------------------------------
# Model folders


class Network:
    """One transformer of a fixture folder: float32 module, optionally float16 I/O. The text embedding of each
    context is computed once and reused (the same float32 computation, without repeating it at every call)."""

    def __init__(self, seed, io, config="tiny"):
        self.net = tiny_transformer(seed, config).eval()
        self.half = io == "float16"
        self.text = self.net.text_embedding
        self.embedded = {}

    @torch.no_grad()
    def __call__(self, x, timestep, context):
        xs = torch.from_numpy(x.astype(np.float32))[None]
        t = torch.tensor([timestep], dtype=torch.float32)
        if self.half:
            xs, t = xs.half().float(), t.half().float()
        key = id(context)
        if key not in self.embedded:
            self.embedded[key] = (context, self.text(context.half().float() if self.half else context))
        out = self.net.forward_embedded(xs, t, self.embedded[key][1])
        if self.half:
            out = out.half().float()
        return out[0].double().numpy()


class OnnxNetwork:
    """One transformer ONNX file evaluated by onnxruntime-node: the network bit for bit as the CLI runs it, so that
    only the sampler is compared. Inputs are given in the graph's order (latent, timestep, text)."""

    def __init__(self, path):
        self.path = path
        graph = onnx.load(path, load_external_data=False).graph
        self.names = [i.name for i in graph.input]
        self.half = graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT16
        self.dtype = np.float16 if self.half else np.float32
        self.contexts = {}

    def __call__(self, x, timestep, context):
        dt = "float16" if self.half else "float32"
        key = id(context)
        if key not in self.contexts:
            file = ort.tensor_file(f"ctx{len(self.contexts)}_{id(self)}", context.numpy().astype(self.dtype))
            self.contexts[key] = (context, file)
        inputs = [
            {"name": self.names[0], "dtype": dt, "shape": [1, *x.shape],
             "file": ort.tensor_file("x", x.astype(np.float32).astype(self.dtype))},
            {"name": self.names[1], "dtype": dt, "shape": [1],
             "file": ort.tensor_file("t", np.array([timestep], dtype=self.dtype))},
            {"name": self.names[2], "dtype": dt, "shape": list(context.shape), "file": self.contexts[key][1], "cache": True},
        ]
        _, ((meta, file),) = ort.run(self.path, inputs)
        out = np.fromfile(file, dtype=self.dtype).reshape(meta["shape"])
        return out[0].astype(np.float64)


@functools.lru_cache(maxsize=None)
def load_folder(model_dir, network="torch"):
    """The folder's transformer and, for two experts, transformer_2: the PyTorch modules rebuilt from the seeds in
    the fixture set's manifest.json (network "torch"), or the ONNX files themselves in onnxruntime-node ("onnx")."""
    if network == "onnx":
        second = os.path.join(model_dir, "transformer_2", "model.onnx")
        return (OnnxNetwork(os.path.join(model_dir, "transformer", "model.onnx")),
                OnnxNetwork(second) if os.path.exists(second) else None)
    root = os.path.dirname(os.path.abspath(model_dir))
    manifest = json.load(open(os.path.join(root, "manifest.json")))
    spec = manifest["folders"][os.path.basename(os.path.normpath(model_dir))]
    nets = {name: Network(s["seed"], s["io"], s.get("config", "tiny")) for name, s in spec.items()}
    return nets["transformer"], nets.get("transformer_2")


@functools.lru_cache(maxsize=None)
def padded_context(path):
    e = np.load(path).astype(np.float32)
    if e.ndim == 3:
        e = e[0]
    ctx = torch.zeros(1, TEXT_LEN, TEXT_DIM)
    ctx[0, : e.shape[0]] = torch.from_numpy(e)
    return ctx


# ---------------------------------------------------------------------------------------------------------------
# Grid and solvers


def flow_grid(steps, shift):
    sigmas = []
    for i in range(steps):
        base = 0.999 + i * ((0 - 0.999) / steps)
        sigmas.append(shift * base / (1 + (shift - 1) * base))
    sigmas.append(0.0)
    return sigmas


def timestep(sigma):
    return float(math.trunc(sigma * 1000))


def lam(sigma):
    return math.log((1 - sigma) / sigma)


class Euler:
    uses_state = False

    def __init__(self, sigmas):
        self.sigmas = sigmas

    def prepare(self, i, x, x0):
        return x

    def candidate(self, i, state, x0, v):
        return state + (self.sigmas[i + 1] - self.sigmas[i]) * v

    def commit(self, i, state, x0):
        pass


class FlowUniPC:
    """bh2, solver order 2, predict-x0, lower_order_final, corrector on every step after the first."""

    uses_state = True

    def __init__(self, sigmas):
        self.sigmas = sigmas
        self.steps = len(sigmas) - 1
        self.m = []  # data predictions of the committed steps
        self.last_sample = None  # the corrected start point of the last committed step
        self.last_order = 0

    def order(self, i):
        return min(2, self.steps - i, len(self.m) + 1)

    def prepare(self, i, x, x0):
        """uni_c: correct x^c_{i−1}'s step with the new data prediction m_i = x0."""
        if i == 0 or self.last_sample is None:
            return x
        s_prev, s = self.sigmas[i - 1], self.sigmas[i]
        alpha = 1 - s
        h = lam(s) - lam(s_prev)
        hh = -h
        h_phi_1 = math.expm1(hh)
        B = h_phi_1
        m0 = self.m[-1]
        x_t_ = (s / s_prev) * self.last_sample - alpha * h_phi_1 * m0
        D1_t = x0 - m0
        if self.last_order == 1:
            return x_t_ - alpha * B * (0.5 * D1_t)
        rk = (lam(self.sigmas[i - 2]) - lam(s_prev)) / h
        D1 = (self.m[-2] - m0) / rk
        h_phi_k = h_phi_1 / hh - 1
        b1 = h_phi_k / B
        h_phi_k = h_phi_k / hh - 1 / 2
        b2 = 2 * h_phi_k / B
        rho = np.linalg.solve(np.array([[1.0, 1.0], [rk, 1.0]]), np.array([b1, b2]))
        return x_t_ - alpha * B * (rho[0] * D1 + rho[1] * D1_t)

    def candidate(self, i, state, x0, v):
        """uni_p from the start point `state` with m_i = x0 and the committed history."""
        s, sn = self.sigmas[i], self.sigmas[i + 1]
        if sn == 0:
            return x0.copy()
        h = lam(sn) - lam(s)
        hh = -h
        h_phi_1 = math.expm1(hh)
        B = h_phi_1
        alpha_n = 1 - sn
        out = (sn / s) * state - alpha_n * h_phi_1 * x0
        if self.order(i) == 2:
            rk = (lam(self.sigmas[i - 1]) - lam(s)) / h
            D1 = (self.m[-1] - x0) / rk
            out = out - alpha_n * B * (0.5 * D1)
        return out

    def commit(self, i, state, x0):
        self.last_order = self.order(i)
        self.m = (self.m + [x0.copy()])[-2:]
        self.last_sample = state.copy()


SOLVERS = {"euler": Euler, "unipc": FlowUniPC}


# ---------------------------------------------------------------------------------------------------------------
# Sampling


def parse_plan(text):
    plan = {}
    if text in (None, "", "none"):
        return plan
    for item in text.split(","):
        steps, k = item.split(":")
        first, _, last = steps.partition("-")
        for i in range(int(first), int(last or first) + 1):
            if int(k) > 0:
                plan[i] = int(k)
    return plan


class NoiseStream:
    def __init__(self, stream):
        self.stream = stream
        self.used = 0

    def next(self):
        if self.used >= len(self.stream):
            raise SystemExit(f"the noise stream has {len(self.stream)} latents and ran out")
        eps = self.stream[self.used].astype(np.float64)
        self.used += 1
        return eps


def sample(high, low, x, sigmas, pos, neg, cfg, cfg_low, boundary, solver_name, plan, tau, noise, record=None,
           state32=False):
    """The final latent and the NFE count. `record` (a list) receives every mask comparison's |U − τ| minimum and the
    certain fraction after each inner iteration. With `state32`, every latent-sized value the sampler keeps
    (guided velocity, x̂0, candidates, perturbed points) is rounded to float32 where the CLI stores it in a
    Float32Array; each is still computed in float64 from its float32 operands, in the CLI's order for Euler."""
    solver = SOLVERS[solver_name](sigmas)
    r = (lambda a: a.astype(np.float32).astype(np.float64)) if state32 else (lambda a: a)
    cur = r(x.astype(np.float64))
    nfe = 0

    def guided(xv, t):
        net = high if low is None or t >= boundary else low
        g = cfg if boundary is None or t >= boundary else cfg_low
        c = net(xv, t, pos)
        u = net(xv, t, neg)
        return r(u + g * (c - u))

    for i in range(len(sigmas) - 1):
        s = sigmas[i]
        t = timestep(s)
        v = guided(cur, t)
        nfe += 1
        x0 = r(cur - s * v)
        state = r(solver.prepare(i, cur, x0))
        nxt = r(solver.candidate(i, state, x0, v))
        K = plan.get(i, 0)
        if K > 0:
            certain = np.zeros(cur.shape[1:], dtype=bool)
            state = state.copy()
            for k in range(1, K + 1):
                xk = r((1 - s) * x0 + s * noise.next())
                vk = guided(xk, t)
                nfe += 1
                x0k = r(xk - s * vk)
                U = np.abs(x0k - x0).mean(axis=0)
                uncertain_before = ~certain
                if record is not None and uncertain_before.any():
                    record.append(("margin", i, k, float(np.abs(U[uncertain_before] - tau).min()) if math.isfinite(tau) else math.inf))
                certain |= U < tau
                fuse = ~certain
                x0 = np.where(fuse, x0k, x0)
                nxt = np.where(fuse, r(solver.candidate(i, xk, x0k, vk)), nxt)
                if solver.uses_state:
                    state = np.where(fuse, xk, state)
                frac_uncertain = fuse.mean()
                if record is not None:
                    record.append(("certain", i, k, 1 - float(frac_uncertain)))
                if frac_uncertain < EARLY_EXIT:
                    break
        solver.commit(i, state, x0)
        cur = nxt
    return cur, nfe


def latent_shape(frames, size):
    w, h = (int(v) for v in size.lower().split("x"))
    return (16, (frames - 1) // 4 + 1, h // 8, w // 8)


def run(model_dir, a, record=None):
    high, low = load_folder(os.path.abspath(model_dir), a.get("network", "torch"))
    shape = latent_shape(a["frames"], a["size"])
    x = np.load(a["init"]).astype(np.float32).reshape(shape)
    noise = NoiseStream(np.load(a["noise"]).astype(np.float32)) if a.get("noise") else None
    pnp = a.get("refine", "none") == "pnp"
    plan = parse_plan(a.get("plan")) if pnp else {}
    tau = float(a.get("tau", 0.25)) if pnp else math.inf
    sigmas = flow_grid(a["steps"], a["shift"])
    boundary = a.get("cfg_boundary")
    pos, neg = padded_context(os.path.abspath(a["prompt_embeds"])), padded_context(os.path.abspath(a["negative_embeds"]))
    out, nfe = sample(high, low, x, sigmas, pos, neg,
                      a["cfg"], a.get("cfg_low", a["cfg"]), boundary, a["solver"], plan, tau, noise, record,
                      a.get("state", "float64") == "float32")
    return out.astype(np.float32), nfe


# ---------------------------------------------------------------------------------------------------------------
# The fixture cases

FRAMES, SIZE, STEPS, SHIFT, CFG = 17, "64x48", 20, 5.0, 5.0
PLAN = "1-6:2"
# The two-expert case refines steps on both sides of the boundary (timestep 875 falls between steps 8 and 9).
PLAN_EXPERTS = "7-10:2"

CASES = {
    # name: (folder, preset, solver, refine, plan, tau or "auto", extra)
    "euler-none": ("t2v", "wan2.1-t2v-1.3b", "euler", "none", None, None, {}),
    "unipc-none": ("t2v", "wan2.1-t2v-1.3b", "unipc", "none", None, None, {}),
    # "auto:f": the τ whose mask certifies a fraction f of the positions on average (choose_tau). The two-expert
    # case's τ certifies every position after one iteration at step 9 (the low-noise expert's first), so it also
    # checks the early exit.
    "euler-pnp-mask": ("t2v", "wan2.1-t2v-1.3b", "euler", "pnp", PLAN, "auto:0.5", {}),
    "euler-pnp-nomask": ("t2v", "wan2.1-t2v-1.3b", "euler", "pnp", PLAN, 0.0, {}),
    "unipc-pnp-mask": ("t2v", "wan2.1-t2v-1.3b", "unipc", "pnp", PLAN, "auto:0.5", {}),
    "a14b-unipc-pnp": ("a14b", "wan2.2-t2v-a14b", "unipc", "pnp", PLAN_EXPERTS, 3.3, {"cfg_low": 3.0, "cfg_boundary": 875.0}),
    # Float16 I/O rounds every network input to float16, so one float32 rounding difference flips an input value by a
    # float16 step somewhere, and CFG 5 over 20 steps grows that to about 1e-3 of the result (measured: the PyTorch
    # network with float64 sampler state ends 1.3e-3 from the CLI). This case's reference therefore runs the ONNX
    # file itself in onnxruntime-node and keeps the sampler's values in float32 as the CLI does, which checks the
    # float16 boundary and the sampler exactly; args.json records the PyTorch network's distance too.
    "fp16-euler-pnp": ("t2v-fp16", "wan2.1-t2v-1.3b", "euler", "pnp", PLAN, 0.0, {"network": "onnx", "state": "float32"}),
    "akane-euler-none": ("akane", "wan2.1-t2v-1.3b", "euler", "none", None, None, {}),
}

# τ is in latent units; the random networks' clean predictions disagree by O(1) per value, hence τ of O(1).
TAU_RANGE = (0.5, 4.0)
MIN_MARGIN = 2e-3


def case_args(root, name, folder, preset, solver, refine, plan, tau, extra):
    common = "cases/common"
    a = {"frames": FRAMES, "size": SIZE, "steps": STEPS, "shift": SHIFT, "cfg": CFG, "solver": solver, "refine": refine,
         "init": os.path.join(root, common, "init.npy"), "noise": os.path.join(root, common, "stream.npy"),
         "prompt_embeds": os.path.join(root, common, "pos.npy"), "negative_embeds": os.path.join(root, common, "neg.npy")}
    a.update(extra)
    if refine == "pnp":
        a["plan"] = plan
        a["tau"] = tau
    cli = ["--preset", preset, "--prompt-embeds", f"{common}/pos.npy", "--negative-embeds", f"{common}/neg.npy",
           "--frames", str(FRAMES), "--size", SIZE, "--init", f"{common}/init.npy", "--noise", f"{common}/stream.npy",
           "--solver", solver, "--steps", str(STEPS), "--shift", fmt(SHIFT), "--cfg", fmt(CFG)]
    if "cfg_low" in extra:
        cli += ["--cfg-low", fmt(extra["cfg_low"]), "--cfg-boundary", fmt(extra["cfg_boundary"])]
    cli += ["--refine", refine]
    if refine == "pnp":
        cli += ["--plan", plan, "--tau", fmt(tau)]
    return a, cli


def fmt(v):
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def summarise(record, tau):
    margins = [r[3] for r in record if r[0] == "margin"]
    certain = [r[3] for r in record if r[0] == "certain"]
    return (min(margins) if margins else math.inf), certain


def choose_tau(root, folder, a, target):
    """A τ (two decimals) whose mask certifies, on average over the inner iterations, about the fraction `target` of
    the positions (bisection: the fraction grows with τ), moved by the smallest step that keeps every mask comparison
    at least MIN_MARGIN away from τ, so that float32 rounding in another runtime cannot flip a position."""

    def trial(tau):
        rec = []
        run(os.path.join(root, folder), dict(a, tau=tau), rec)
        margin, certain = summarise(rec, tau)
        return margin, sum(certain) / len(certain)

    lo, hi = TAU_RANGE
    for _ in range(8):
        mid = (lo + hi) / 2
        if trial(mid)[1] < target:
            lo = mid
        else:
            hi = mid
    base = round((lo + hi) / 2, 2)
    for step in range(40):
        for tau in (round(base + step * 0.01, 2), round(base - step * 0.01, 2)):
            if trial(tau)[0] >= MIN_MARGIN:
                return tau
    raise SystemExit(f"no τ near {base} keeps the mask {MIN_MARGIN} away from it")


def make_cases(root, seed=7, only=None):
    rng = np.random.default_rng(seed)
    shape = latent_shape(FRAMES, SIZE)
    common = os.path.join(root, "cases", "common")
    os.makedirs(common, exist_ok=True)
    max_perturbs = sum(parse_plan(PLAN).values())
    max_perturbs = max(max_perturbs, sum(parse_plan(PLAN_EXPERTS).values()))
    inputs = {
        "init.npy": rng.standard_normal(shape).astype(np.float32),
        "stream.npy": rng.standard_normal((max_perturbs,) + shape).astype(np.float32),
        # umT5 outputs are O(0.1–1) per value; 7 prompt tokens and 5 negative ones.
        "pos.npy": (0.5 * rng.standard_normal((7, TEXT_DIM))).astype(np.float32),
        "neg.npy": (0.5 * rng.standard_normal((5, TEXT_DIM))).astype(np.float32),
    }
    for name, arr in inputs.items():
        np.save(os.path.join(common, name), arr)
    summary = {}
    for name, (folder, preset, solver, refine, plan, tau, extra) in CASES.items():
        if only and name not in only:
            continue
        if isinstance(tau, str):
            a, _ = case_args(root, name, folder, preset, solver, refine, plan, 0.0, extra)
            tau = choose_tau(root, folder, a, float(tau.split(":")[1]))
        a, cli = case_args(root, name, folder, preset, solver, refine, plan, tau, extra)
        rec = []
        out, nfe = run(os.path.join(root, folder), a, rec)
        margin, certain = summarise(rec, a.get("tau", math.inf))
        if margin < MIN_MARGIN:
            raise SystemExit(f"{name}: a mask comparison falls {margin:.1e} from τ = {a['tau']}; choose another τ")
        d = os.path.join(root, "cases", name)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "expected.npy"), out)
        info = {"model": folder, "args": cli, "nfe": nfe,
                "maxAbs": float(np.abs(out).max())}
        if "network" in extra:
            info["reference"] = {"network": "onnxruntime-node", "state": extra["state"]}
            torch_out, _ = run(os.path.join(root, folder), {k: v for k, v in a.items() if k not in ("network", "state")})
            info["reference"]["torchNetworkRelativeError"] = float(
                np.abs(torch_out.astype(np.float64) - out).max() / np.abs(out.astype(np.float64)).max())
        if refine == "pnp":
            info["tau"] = a["tau"]
            info["certainAfterEachIteration"] = [round(c, 4) for c in certain]
            info["minMarginToTau"] = margin if math.isfinite(margin) else None
        json.dump(info, open(os.path.join(d, "args.json"), "w"), indent=1)
        summary[name] = info
        print(f"{name}: nfe {nfe}, max|x| {info['maxAbs']:.3f}" +
              (f", τ {a['tau']}, min |U−τ| {margin:.2e}, certain {info['certainAfterEachIteration']}" if refine == "pnp" else ""))
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--make-cases", metavar="FIXTURES")
    ap.add_argument("--only", nargs="*", help="with --make-cases: rebuild only these cases")
    ap.add_argument("--model")
    ap.add_argument("--preset")
    ap.add_argument("--prompt-embeds")
    ap.add_argument("--negative-embeds")
    ap.add_argument("--frames", type=int, default=FRAMES)
    ap.add_argument("--size", default=SIZE)
    ap.add_argument("--init")
    ap.add_argument("--noise")
    ap.add_argument("--solver", choices=sorted(SOLVERS), default="euler")
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--shift", type=float, default=SHIFT)
    ap.add_argument("--cfg", type=float, default=CFG)
    ap.add_argument("--cfg-low", type=float)
    ap.add_argument("--cfg-boundary", type=float)
    ap.add_argument("--refine", choices=["none", "pnp"], default="none")
    ap.add_argument("--plan", default=PLAN)
    ap.add_argument("--tau", type=float, default=0.25)
    ap.add_argument("--network", choices=["torch", "onnx"], default="torch",
                    help="evaluate the transformer as the PyTorch module (default) or as its ONNX file in onnxruntime-node")
    ap.add_argument("--state", choices=["float64", "float32"], default="float64",
                    help="the sampler's latent-sized values in float64 (default) or rounded to float32 as the CLI keeps them")
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_num_threads(1)  # the networks are tiny: more threads only wait on each other
    if a.make_cases:
        make_cases(a.make_cases, only=a.only)
        return
    args = {k: v for k, v in vars(a).items() if v is not None}
    if a.cfg_low is not None and a.cfg_boundary is None:
        raise SystemExit("--cfg-low needs --cfg-boundary")
    out, nfe = run(a.model, args)
    print(f"nfe {nfe}")
    if a.out:
        np.save(a.out, out)


if __name__ == "__main__":
    main()
