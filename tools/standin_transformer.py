"""A stand-in Wan transformer for runs at real sizes: the public exports' I/O (hidden_states [1,16,F,H,W], timestep
[1], encoder_hidden_states [1,512,4096] -> out_sample [1,16,F,H,W], float32, F/H/W dynamic) with a cheap body
(out = 0.9·x + 0.001·t + the mean of each item's text states), so that the runtime's own cost at 832x480x81 can be measured where a
real network or the tiny transformer's full attention over 32,760 tokens does not fit in memory.

    /usr/bin/python3 tools/standin_transformer.py OUT_DIR [--batched] [--int64-timestep]

writes OUT_DIR/transformer/model.onnx (a few hundred bytes). --batched gives the batch dimension a symbolic size (both
CFG branches in one run); --int64-timestep makes the timestep input int64. test/fixtures/folder-standin holds both
variants for the binding tests.
"""
import argparse
import os

import onnx
from onnx import TensorProto, helper


def main(out_dir: str, batched: bool, int64_timestep: bool) -> None:
    b = "batch" if batched else 1
    x = helper.make_tensor_value_info("hidden_states", TensorProto.FLOAT, [b, 16, "F", "H", "W"])
    t = helper.make_tensor_value_info("timestep", TensorProto.INT64 if int64_timestep else TensorProto.FLOAT, [b])
    c = helper.make_tensor_value_info("encoder_hidden_states", TensorProto.FLOAT, [b, 512, 4096])
    y = helper.make_tensor_value_info("out_sample", TensorProto.FLOAT, [b, 16, "F", "H", "W"])
    consts = [
        helper.make_tensor("a", TensorProto.FLOAT, [], [0.9]),
        helper.make_tensor("b", TensorProto.FLOAT, [], [0.001]),
    ]
    # Per batch item: t [B] -> [B,1,1,1,1]; the text mean over tokens and width -> [B,1,1,1,1].
    axes = helper.make_tensor("axes", TensorProto.INT64, [4], [1, 2, 3, 4])
    nodes = [
        helper.make_node("Cast", ["timestep"], ["tf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["hidden_states", "a"], ["ax"]),
        helper.make_node("Mul", ["tf", "b"], ["bt"]),
        helper.make_node("Unsqueeze", ["bt", "axes"], ["bt5"]),
        helper.make_node("ReduceMean", ["encoder_hidden_states"], ["cm"], axes=[1, 2], keepdims=0),
        helper.make_node("Unsqueeze", ["cm", "axes"], ["cm5"]),
        helper.make_node("Add", ["ax", "bt5"], ["s"]),
        helper.make_node("Add", ["s", "cm5"], ["out_sample"]),
    ]
    consts.append(axes)
    graph = helper.make_graph(nodes, "standin", [x, t, c], [y], initializer=consts)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(out_dir, "transformer"), exist_ok=True)
    onnx.save(model, os.path.join(out_dir, "transformer", "model.onnx"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--batched", action="store_true")
    ap.add_argument("--int64-timestep", action="store_true")
    args = ap.parse_args()
    main(args.out, args.batched, args.int64_timestep)
