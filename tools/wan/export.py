"""Export Wan2.1-class networks to ONNX with the I/O names of the public exports, and build the tiny test fixtures.

Test fixtures (random tiny networks; every folder of test/fixtures/wan-tiny, without the reference cases):
    /usr/bin/python3 tools/wan/export.py --tiny --seed 1 --out test/fixtures/wan-tiny
Then the cases: /usr/bin/python3 tools/wan/reference.py --make-cases test/fixtures/wan-tiny (tools/wan/rebuild.sh runs
both). Every exported file is checked against PyTorch through onnxruntime-node (tools/wan/ort.py) unless
--no-verify.

Real weights (a Wan2.1 / Wan2.2-A14B transformer state dict in the original repositories' key names,
`diffusion_pytorch_model*.safetensors` shards or a .pth; diffusers' renamed keys are not read):
    /usr/bin/python3 tools/wan/export.py --checkpoint Wan2.1-T2V-1.3B/diffusion_pytorch_model.safetensors \
        --config 1.3b --out out/wan21-1.3b [--names akane] [--io float16]
writes OUT/transformer/model.onnx. Give the shards of a sharded checkpoint as a comma-separated list. For Wan2.2-A14B
export each expert (high_noise_model -> OUT/transformer, low_noise_model -> --subdir transformer_2). Reading
.safetensors needs the `safetensors` Python package (not installed on the machines this project is tested on).
A real network is larger than protobuf's 2 GB limit (1.3B parameters are 5.7 GB in float32), so its weights are written
as external data beside the graph (OUT/transformer/model.onnx.data), which onnxruntime reads from the same folder.
Only the tiny configuration has been exported and run here: no real weights can be downloaded on these machines.

Names (--names): `tensorstack` (TensorStack/Wan2.1-T2V-1.3B-onnx): hidden_states [1,16,F,H,W], timestep [1],
encoder_hidden_states [1,512,4096] -> out_sample; `akane` (AkaneTendo25/wan21-onnx): latent_input, timestep,
text_embeddings -> noise_prediction. --io float16 makes every input and output float16 (the network computes in
float32 inside). F, H and W are dynamic; the batch is 1.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
import blas  # noqa: F401,E402  (OpenBLAS on one thread, before numpy and torch)
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

sys.path.insert(0, HERE)
import ort  # noqa: E402
from model import CONFIGS, TEXT_DIM, TEXT_LEN, WanTransformer, tiny_init  # noqa: E402
from text import TinyT5Encoder, tiny_text_init, vocabulary, write_tokenizer  # noqa: E402
from vae import TinyDecoder, TinyEncoder, tiny_vae_init  # noqa: E402

OPSET = 17

TRANSFORMER_NAMES = {
    "tensorstack": (["hidden_states", "timestep", "encoder_hidden_states"], ["out_sample"]),
    "akane": (["latent_input", "timestep", "text_embeddings"], ["noise_prediction"]),
}

# Seeds of the fixture networks, relative to --seed: the fixture's manifest records the absolute ones.
FIXTURE_SEEDS = {"t2v": 0, "a14b-high": 1, "a14b-low": 2, "vae-decoder": 3, "vae-encoder": 4, "text-encoder": 5, "i2v": 6}


class IOCast(torch.nn.Module):
    """Float16 inputs and outputs around a float32 network (the boundary of a float16-I/O export)."""

    def __init__(self, net, half):
        super().__init__()
        self.net = net
        self.half = half

    def forward(self, *inputs):
        if self.half:
            inputs = [t.float() if t.is_floating_point() else t for t in inputs]
        out = self.net(*inputs)
        outs = out if isinstance(out, tuple) else (out,)
        if self.half:
            outs = tuple(o.half() for o in outs)
        return outs if isinstance(out, tuple) else outs[0]


def store_float16(model_proto, min_numel=1024):
    """Store every float32 initializer of ≥ min_numel values that float16 holds exactly as float16, cast back to
    float32 by a Cast node: half the bytes, the same numbers (onnxruntime folds the casts once, when it loads the file)."""
    graph = model_proto.graph
    casts = []
    keep = []
    for init in graph.initializer:
        arr = numpy_helper.to_array(init) if init.data_type == onnx.TensorProto.FLOAT else None
        if arr is not None and arr.size >= min_numel and np.array_equal(arr.astype(np.float16).astype(np.float32), arr):
            half = numpy_helper.from_array(arr.astype(np.float16), init.name + "_fp16")
            keep.append(half)
            casts.append(helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT, name=init.name + "_cast"))
        else:
            keep.append(init)
    del graph.initializer[:]
    graph.initializer.extend(keep)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return len(casts)


def short_names(model_proto):
    """Rename nodes and intermediate values to short ids (the exporter's scope paths are a quarter of a tiny file)."""
    graph = model_proto.graph
    keep = {v.name for v in graph.input} | {v.name for v in graph.output}
    rename = {}
    for i, node in enumerate(graph.node):
        node.name = f"n{i}"
        for j, name in enumerate(node.output):
            if name and name not in keep:
                rename[name] = f"t{len(rename)}"
                node.output[j] = rename[name]
    for init in graph.initializer:
        if init.name in rename:
            init.name = rename[init.name]
    for node in graph.node:
        for j, name in enumerate(node.input):
            if name in rename:
                node.input[j] = rename[name]
    del graph.value_info[:]


def export(module, example, input_names, output_names, dynamic_axes, path, half_io=False, fp16_weights=False):
    """torch.onnx.export (opset 17) to `path`; large models go to external data in path + '.data'."""
    module = IOCast(module.eval(), half_io)
    if half_io:
        example = tuple(t.half() if t.is_floating_point() else t for t in example)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    big = sum(p.numel() for p in module.parameters()) * 4 > 1.5e9
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(module, example, raw, input_names=input_names, output_names=output_names,
                              dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
        proto = onnx.load(raw)
        if fp16_weights:
            store_float16(proto)
        short_names(proto)
        out_tmp = path + ".tmp"
        if big:
            onnx.save_model(proto, out_tmp, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=os.path.basename(path) + ".data", size_threshold=1024)
        else:
            onnx.save_model(proto, out_tmp)
        os.replace(out_tmp, path)
    return path


def verify(path, module, example, input_names, output_names, half_io=False):
    """Run `path` in onnxruntime-node on `example` and return max|ort − torch| / max|torch| per output."""
    with torch.no_grad():
        ref = IOCast(module.eval(), half_io)(*[t.half() if half_io and t.is_floating_point() else t for t in example])
    refs = ref if isinstance(ref, tuple) else (ref,)
    inputs = []
    for name, t in zip(input_names, example):
        if half_io and t.is_floating_point():
            t = t.half()
        dtype = {torch.float32: "float32", torch.float16: "float16", torch.int64: "int64"}[t.dtype]
        inputs.append({"name": name, "dtype": dtype, "shape": list(t.shape),
                       "file": ort.tensor_file("in_" + name, t.contiguous().numpy())})
    graph_inputs, outputs = ort.run(os.path.abspath(path), inputs)
    if graph_inputs != list(input_names) or [o["name"] for o, _ in outputs] != list(output_names):
        raise SystemExit(f"{path}: graph I/O {graph_inputs} -> {[o['name'] for o, _ in outputs]} differs from "
                         f"{input_names} -> {output_names}")
    errs = []
    for (o, file), r in zip(outputs, refs):
        np_dtype = {"float32": np.float32, "float16": np.float16}[o["dtype"]]
        got = np.fromfile(file, dtype=np_dtype).reshape(o["shape"])
        want = r.numpy()
        if list(got.shape) != list(want.shape):
            raise SystemExit(f"{path}: output {o['name']} has shape {got.shape}, PyTorch {want.shape}")
        got64, want64 = got.astype(np.float64), want.astype(np.float64)
        errs.append(float(np.abs(got64 - want64).max() / max(np.abs(want64).max(), 1e-30)))
    return errs


def transformer_example(in_dim=16, f=3, h=4, w=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    ctx = torch.zeros(1, TEXT_LEN, TEXT_DIM)
    ctx[0, :9] = torch.randn(9, TEXT_DIM, generator=g)
    return (torch.randn(1, in_dim, f, h, w, generator=g), torch.tensor([937.0]), ctx)


def export_transformer(net, path, names="tensorstack", half_io=False, fp16_weights=False, check=True):
    inputs, outputs = TRANSFORMER_NAMES[names]
    axes = {inputs[0]: {2: "frames", 3: "height", 4: "width"}, outputs[0]: {2: "frames", 3: "height", 4: "width"}}
    example = transformer_example(net.patch_embedding.in_channels)
    export(net, example, inputs, outputs, axes, path, half_io, fp16_weights)
    if check:
        # A second geometry checks that F, H and W are really dynamic.
        for ex in (example, transformer_example(net.patch_embedding.in_channels, 5, 6, 8, seed=1)):
            errs = verify(path, net, ex, inputs, outputs, half_io)
            limit = 2e-3 if half_io else 1e-5
            print(f"  {os.path.relpath(path, REPO)} [{'x'.join(map(str, ex[0].shape[2:]))}]: onnxruntime vs PyTorch max rel {errs[0]:.2e}")
            if not errs[0] <= limit:
                raise SystemExit(f"{path}: onnxruntime differs from PyTorch by {errs[0]:.2e} (> {limit})")


def export_checked(net, example, inputs, outputs, axes, path, limit=1e-5):
    """Export with float16-stored weights and check onnxruntime against PyTorch on `example`."""
    export(net, example, inputs, outputs, axes, path, fp16_weights=True)
    err = verify(path, net, example, inputs, outputs)[0]
    print(f"  {os.path.relpath(path, REPO)}: onnxruntime vs PyTorch max rel {err:.2e}")
    if not err <= limit:
        raise SystemExit(f"{path}: onnxruntime differs from PyTorch by {err:.2e} (> {limit})")


def export_full_extras(out, seed):
    """full/: vae_decoder, vae_encoder, text_encoder and tokenizer beside the transformer."""
    dec = tiny_vae_init(TinyDecoder(), seed + FIXTURE_SEEDS["vae-decoder"]).eval()
    enc = tiny_vae_init(TinyEncoder(), seed + FIXTURE_SEEDS["vae-encoder"]).eval()
    txt = tiny_text_init(TinyT5Encoder(), seed + FIXTURE_SEEDS["text-encoder"]).eval()
    g = torch.Generator().manual_seed(seed)
    video_axes = {2: "frames", 3: "height", 4: "width"}
    export_checked(dec, (torch.randn(1, 16, 3, 4, 6, generator=g),), ["latent_sample"], ["sample"],
                   {"latent_sample": video_axes, "sample": video_axes}, os.path.join(out, "full/vae_decoder/model.onnx"))
    export_checked(enc, (torch.rand(1, 3, 9, 32, 48, generator=g) * 2 - 1,), ["sample"], ["latent_sample"],
                   {"sample": video_axes, "latent_sample": video_axes}, os.path.join(out, "full/vae_encoder/model.onnx"))
    ids = torch.randint(3, len(vocabulary()), (1, 11), generator=g)
    ids[0, -1] = 1
    export_checked(txt, (ids,), ["input_ids"], ["last_hidden_state"],
                   {"input_ids": {1: "sequence"}, "last_hidden_state": {1: "sequence"}},
                   os.path.join(out, "full/text_encoder/model.onnx"))
    write_tokenizer(os.path.join(out, "full/tokenizer"))
    return {"vae_decoder": sum(p.numel() for p in dec.parameters()),
            "vae_encoder": sum(p.numel() for p in enc.parameters()),
            "text_encoder": sum(p.numel() for p in txt.parameters())}


def tiny_transformer(seed, config="tiny"):
    return tiny_init(WanTransformer(CONFIGS[config]), seed)


def load_checkpoint(paths, config):
    net = WanTransformer(CONFIGS[config])
    state = {}
    for p in paths.split(","):
        if p.endswith(".safetensors"):
            from safetensors.torch import load_file  # not installed here: real weights are exported elsewhere
            state.update(load_file(p))
        else:
            state.update(torch.load(p, map_location="cpu"))
    state = {k[len("model."):] if k.startswith("model.") else k: v.float() for k, v in state.items()}
    net.load_state_dict(state, strict=True)
    return net


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def build_fixtures(out, seed, check=True):
    """Every model folder of the fixture set, and manifest.json (seeds, sizes, sha256) for the reference."""
    t2v = tiny_transformer(seed + FIXTURE_SEEDS["t2v"])
    high = tiny_transformer(seed + FIXTURE_SEEDS["a14b-high"])
    low = tiny_transformer(seed + FIXTURE_SEEDS["a14b-low"])
    i2v = tiny_transformer(seed + FIXTURE_SEEDS["i2v"], "tiny-i2v")
    files = {
        "t2v/transformer/model.onnx": (t2v, dict()),
        "t2v-fp16/transformer/model.onnx": (t2v, dict(half_io=True)),
        "a14b/transformer/model.onnx": (high, dict()),
        "a14b/transformer_2/model.onnx": (low, dict()),
        "akane/transformer/model.onnx": (t2v, dict(names="akane")),
        "full/transformer/model.onnx": (t2v, dict()),
        # image-to-video: 16 latent + 4 mask + 16 image-latent channels in (Wan2.2-I2V-A14B's layout)
        "i2v/transformer/model.onnx": (i2v, dict()),
    }
    seeds = {"t2v": seed + FIXTURE_SEEDS["t2v"], "a14b-high": seed + FIXTURE_SEEDS["a14b-high"],
             "a14b-low": seed + FIXTURE_SEEDS["a14b-low"]}
    # What reference.py rebuilds for each model folder: the seed of each network and the I/O dtype.
    folders = {
        "t2v": {"transformer": {"seed": seeds["t2v"], "io": "float32"}},
        "t2v-fp16": {"transformer": {"seed": seeds["t2v"], "io": "float16"}},
        "a14b": {"transformer": {"seed": seeds["a14b-high"], "io": "float32"},
                 "transformer_2": {"seed": seeds["a14b-low"], "io": "float32"}},
        "akane": {"transformer": {"seed": seeds["t2v"], "io": "float32"}},
        "full": {"transformer": {"seed": seeds["t2v"], "io": "float32"}},
        "i2v": {"transformer": {"seed": seed + FIXTURE_SEEDS["i2v"], "io": "float32", "config": "tiny-i2v"}},
    }
    manifest = {"seed": seed, "config": CONFIGS["tiny"], "folders": folders,
                "parameters": {"transformer": sum(p.numel() for p in t2v.parameters())}, "files": {}}
    for rel, (net, opts) in files.items():
        path = os.path.join(out, rel)
        export_transformer(net, path, fp16_weights=True, check=check, **opts)
    manifest["parameters"].update(export_full_extras(out, seed))
    manifest["parameters"]["transformer_i2v"] = sum(p.numel() for p in i2v.parameters())
    os.makedirs(os.path.join(out, "i2v/vae_encoder"), exist_ok=True)
    shutil.copyfile(os.path.join(out, "full/vae_encoder/model.onnx"), os.path.join(out, "i2v/vae_encoder/model.onnx"))
    for rel in ["full/vae_decoder/model.onnx", "full/vae_encoder/model.onnx", "full/text_encoder/model.onnx", "i2v/vae_encoder/model.onnx",
                "full/tokenizer/tokenizer.json", "full/tokenizer/tokenizer_config.json"] + sorted(files):
        path = os.path.join(out, rel)
        manifest["files"][rel] = {"bytes": os.path.getsize(path), "sha256": sha256(path)}
    tmp = os.path.join(out, "manifest.json.tmp")
    json.dump(manifest, open(tmp, "w"), indent=1)
    os.replace(tmp, os.path.join(out, "manifest.json"))
    return manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="build the random tiny fixture set into --out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--checkpoint", help="Wan2.1 transformer state dict (.safetensors or .pth; shards comma-separated)")
    ap.add_argument("--config", choices=sorted(CONFIGS), default="1.3b")
    ap.add_argument("--names", choices=sorted(TRANSFORMER_NAMES), default="tensorstack")
    ap.add_argument("--io", choices=["float32", "float16"], default="float32")
    ap.add_argument("--subdir", default="transformer", help="folder under --out (transformer_2 for a low-noise expert)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-verify", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(2)
    if a.tiny:
        build_fixtures(a.out, a.seed, check=not a.no_verify)
        return
    if a.checkpoint is None and not a.config.startswith("tiny"):
        raise SystemExit("give --checkpoint PATH for a real configuration, or --tiny to build the test fixtures")
    net = load_checkpoint(a.checkpoint, a.config) if a.checkpoint else tiny_transformer(a.seed, a.config)
    export_transformer(net, os.path.join(a.out, a.subdir, "model.onnx"), a.names, a.io == "float16",
                       check=not a.no_verify)


if __name__ == "__main__":
    main()
