"""A stand-in Wan VAE decoder for runs at real sizes: the public exports' I/O (latent_sample [1,16,F,h,w] -> sample
[1,3,4(F-1)+1,8h,8w], float32, F/h/w dynamic) with a cheap body (a fixed random 1x1x1 convolution to RGB, tanh, and
nearest upsampling: the first latent frame to one pixel frame, every later one to four), so that the cost of decoding
and writing a clip at 832x480x81 can be measured where the real decoder cannot be downloaded.

    /usr/bin/python3 tools/standin_vae_decoder.py OUT_DIR

writes OUT_DIR/vae_decoder/model.onnx (under 1 kB). Put it beside tools/standin_transformer.py's transformer/.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BIG = 1 << 30


def main(out_dir: str) -> None:
    rng = np.random.default_rng(0)
    x = helper.make_tensor_value_info("latent_sample", TensorProto.FLOAT, [1, 16, "F", "h", "w"])
    y = helper.make_tensor_value_info("sample", TensorProto.FLOAT, [1, 3, "T", "H", "W"])
    inits = [
        numpy_helper.from_array((rng.standard_normal((3, 16, 1, 1, 1)) * 0.3).astype(np.float32), "to_rgb"),
        numpy_helper.from_array(np.array([0, 0, 0, 0, 0], np.int64), "start_first"),
        numpy_helper.from_array(np.array([1, 16, 1, BIG, BIG], np.int64), "end_first"),
        numpy_helper.from_array(np.array([0, 0, 1, 0, 0], np.int64), "start_rest"),
        numpy_helper.from_array(np.array([1, 16, BIG, BIG, BIG], np.int64), "end_rest"),
        numpy_helper.from_array(np.array([1, 1, 1, 8, 8], np.float32), "scale_first"),
        numpy_helper.from_array(np.array([1, 1, 4, 8, 8], np.float32), "scale_rest"),
    ]
    nodes = [
        helper.make_node("Conv", ["latent_sample", "to_rgb"], ["rgb"]),
        helper.make_node("Tanh", ["rgb"], ["t"]),
        helper.make_node("Slice", ["t", "start_first", "end_first"], ["first"]),
        helper.make_node("Slice", ["t", "start_rest", "end_rest"], ["rest"]),
        helper.make_node("Resize", ["first", "", "scale_first"], ["up_first"], mode="nearest"),
        helper.make_node("Resize", ["rest", "", "scale_rest"], ["up_rest"], mode="nearest"),
        helper.make_node("Concat", ["up_first", "up_rest"], ["sample"], axis=2),
    ]
    model = helper.make_model(helper.make_graph(nodes, "standin_vae_decoder", [x], [y], inits), opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(out_dir, "vae_decoder"), exist_ok=True)
    onnx.save(model, os.path.join(out_dir, "vae_decoder", "model.onnx"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    main(parser.parse_args().out_dir)
