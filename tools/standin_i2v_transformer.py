"""A stand-in Wan2.2-I2V transformer for testing the image-to-video input path: the public I/O with 36 latent channels
(hidden_states [1,36,F,H,W] = noisy latent, 4-channel first-frame mask, 16-channel image latent; timestep [1];
encoder_hidden_states [1,512,4096] -> out_sample [1,16,F,H,W]) whose velocity is the image latent times the mask's
first channel. Sampled from σ = 1 to 0 with Euler, the clip's final latent is then the initial one minus the image
latent wherever the mask is 1, which a test can check exactly against the VAE encoder's own output.

    /usr/bin/python3 tools/standin_i2v_transformer.py OUT_DIR

writes OUT_DIR/transformer/model.onnx (a few hundred bytes); test/fixtures/folder-i2v holds it.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BIG = 1 << 30


def main(out_dir: str) -> None:
    x = helper.make_tensor_value_info("hidden_states", TensorProto.FLOAT, [1, 36, "F", "H", "W"])
    t = helper.make_tensor_value_info("timestep", TensorProto.FLOAT, [1])
    c = helper.make_tensor_value_info("encoder_hidden_states", TensorProto.FLOAT, [1, 512, 4096])
    y = helper.make_tensor_value_info("out_sample", TensorProto.FLOAT, [1, 16, "F", "H", "W"])
    inits = [
        numpy_helper.from_array(np.array([16], np.int64), "mask_start"),
        numpy_helper.from_array(np.array([17], np.int64), "mask_end"),
        numpy_helper.from_array(np.array([20], np.int64), "image_start"),
        numpy_helper.from_array(np.array([36], np.int64), "image_end"),
        numpy_helper.from_array(np.array([1], np.int64), "channel_axis"),
        numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
    ]
    nodes = [
        helper.make_node("Slice", ["hidden_states", "mask_start", "mask_end", "channel_axis"], ["mask"]),
        helper.make_node("Slice", ["hidden_states", "image_start", "image_end", "channel_axis"], ["image"]),
        helper.make_node("Mul", ["image", "mask"], ["masked"]),
        # The timestep and the text states take part (multiplied by zero) so that the graph keeps all three inputs.
        helper.make_node("ReduceMean", ["encoder_hidden_states"], ["text_mean"], keepdims=0),
        helper.make_node("Mul", ["text_mean", "zero"], ["text_zero"]),
        helper.make_node("Mul", ["timestep", "zero"], ["t_zero"]),
        helper.make_node("Add", ["masked", "text_zero"], ["with_text"]),
        helper.make_node("Add", ["with_text", "t_zero"], ["out_sample"]),
    ]
    model = helper.make_model(helper.make_graph(nodes, "standin_i2v_transformer", [x, t, c], [y], inits), opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(out_dir, "transformer"), exist_ok=True)
    onnx.save(model, os.path.join(out_dir, "transformer", "model.onnx"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    main(parser.parse_args().out_dir)
