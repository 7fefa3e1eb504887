"""A stand-in for a Wan2.1 transformer with the TensorStack export's I/O, cheap enough to run at real sizes.

hidden_states [1,16,F,H,W] f32, timestep [1] f32, encoder_hidden_states [1,512,4096] f32 -> out_sample [1,16,F,H,W]
(F, H, W dynamic). Per latent position: a channel MLP (16 -> 64 -> 16, SiLU) whose hidden layer is scaled and shifted
by a sinusoidal timestep embedding and shifted by a projection of the mean text state. It has the real network's
inputs, outputs and per-NFE data sizes but none of its attention, so a run with it measures the sampler, the I/O and
the ONNX Runtime round trip at a real latent size, not the network.

    /usr/bin/python3 bench/real-size-standin.py OUT_DIR    (writes OUT_DIR/transformer/model.onnx)
"""
import math
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
from torch import nn  # noqa: E402

HIDDEN = 64
FREQ_DIM = 64
TEXT_DIM = 4096


class StandIn(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Conv3d(16, HIDDEN, kernel_size=1)
        self.out = nn.Conv3d(HIDDEN, 16, kernel_size=1)
        self.text = nn.Linear(TEXT_DIM, HIDDEN)
        self.time = nn.Sequential(nn.Linear(FREQ_DIM, HIDDEN), nn.SiLU(), nn.Linear(HIDDEN, 2 * HIDDEN))
        half = FREQ_DIM // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half))

    def forward(self, hidden_states, timestep, encoder_hidden_states):
        args = timestep[:, None] * self.freqs[None, :]
        emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
        scale, shift = self.time(emb).chunk(2, dim=1)
        text = self.text(encoder_hidden_states.mean(dim=1))
        h = self.inp(hidden_states)
        h = h * (1 + scale[:, :, None, None, None]) + (shift + text)[:, :, None, None, None]
        return self.out(nn.functional.silu(h))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: real-size-standin.py OUT_DIR")
    torch.manual_seed(0)
    net = StandIn().eval()
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(0.5)
    out_dir = os.path.join(sys.argv[1], "transformer")
    os.makedirs(out_dir, exist_ok=True)
    x = torch.randn(1, 16, 2, 4, 6)
    t = torch.tensor([999.0])
    ctx = torch.randn(1, 512, TEXT_DIM)
    torch.onnx.export(
        net,
        (x, t, ctx),
        os.path.join(out_dir, "model.onnx"),
        input_names=["hidden_states", "timestep", "encoder_hidden_states"],
        output_names=["out_sample"],
        dynamic_axes={"hidden_states": {2: "F", 3: "H", 4: "W"}, "out_sample": {2: "F", 3: "H", 4: "W"}},
        opset_version=17,
    )


if __name__ == "__main__":
    main()
