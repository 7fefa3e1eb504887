"""A stand-in Wan transformer for runs at real sizes: the public exports' I/O (hidden_states [1,16,F,H,W], timestep
[1], encoder_hidden_states [1,512,4096] -> out_sample [1,16,F,H,W], float32, F/H/W dynamic) with a cheap body
(out = 0.9·x + 0.001·t + mean of the text states), so that the runtime's own cost at 832x480x81 can be measured where a
real network or the tiny transformer's full attention over 32,760 tokens does not fit in memory.

    /usr/bin/python3 tools/standin_transformer.py OUT_DIR      # writes OUT_DIR/transformer/model.onnx (a few hundred bytes)
"""
import os
import sys

import onnx
from onnx import TensorProto, helper


def main(out_dir: str) -> None:
    x = helper.make_tensor_value_info("hidden_states", TensorProto.FLOAT, [1, 16, "F", "H", "W"])
    t = helper.make_tensor_value_info("timestep", TensorProto.FLOAT, [1])
    c = helper.make_tensor_value_info("encoder_hidden_states", TensorProto.FLOAT, [1, 512, 4096])
    y = helper.make_tensor_value_info("out_sample", TensorProto.FLOAT, [1, 16, "F", "H", "W"])
    consts = [
        helper.make_tensor("a", TensorProto.FLOAT, [], [0.9]),
        helper.make_tensor("b", TensorProto.FLOAT, [], [0.001]),
    ]
    nodes = [
        helper.make_node("Mul", ["hidden_states", "a"], ["ax"]),
        helper.make_node("Mul", ["timestep", "b"], ["bt"]),
        helper.make_node("ReduceMean", ["encoder_hidden_states"], ["cm"], keepdims=0),
        helper.make_node("Add", ["ax", "bt"], ["s"]),
        helper.make_node("Add", ["s", "cm"], ["out_sample"]),
    ]
    graph = helper.make_graph(nodes, "standin", [x, t, c], [y], initializer=consts)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(out_dir, "transformer"), exist_ok=True)
    onnx.save(model, os.path.join(out_dir, "transformer", "model.onnx"))


if __name__ == "__main__":
    main(sys.argv[1])
