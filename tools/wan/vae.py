"""Tiny random decoder and encoder with the geometry of the Wan2.1 / Wan2.2-A14B VAE (for the test fixtures only).

Decoder: latent [1,16,F,h,w] -> video [1,3,4(F−1)+1,8h,8w] in [−1,1]. Encoder: video [1,3,4(F−1)+1,8h,8w] ->
latent [1,16,F,h,w]. Both are causal in time like Wan's: the first latent frame stands for the first video frame alone,
every later one for the next group of 4 frames; a latent frame sees only itself and the one before it (a
zero-padded causal convolution of width 2 in time). Weights are random: the decoder's pictures are colourful noise
that changes with the latent, enough to test the plumbing (shapes, value range, frame count, GIF/MP4 writing).
"""
import torch
import torch.nn.functional as F
from torch import nn

Z = 16
SCALE = 8  # pixels per latent position, each way
GROUP = 4  # video frames per latent frame after the first


def causal_pad(x):
    """Zero frame in front (causal in time), one pixel of zeros on each side in space."""
    return F.pad(x, (1, 1, 1, 1, 1, 0))


class TinyDecoder(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.conv_in = nn.Conv3d(Z, hidden, kernel_size=(2, 3, 3))
        self.conv_out = nn.Conv3d(hidden, GROUP * 3 * SCALE * SCALE, kernel_size=1)

    def forward(self, latent_sample):
        h = F.silu(self.conv_in(causal_pad(latent_sample)))
        y = self.conv_out(h)
        b, _, f, hh, ww = y.shape
        # channels (t, c, py, px) -> GROUP frames of 3 x 8h x 8w per latent frame
        y = y.reshape(b, GROUP, 3, SCALE, SCALE, f, hh, ww).permute(0, 2, 5, 1, 6, 3, 7, 4)
        y = y.reshape(b, 3, f * GROUP, hh * SCALE, ww * SCALE)
        # the first latent frame decodes to one video frame
        return torch.tanh(y[:, :, GROUP - 1:])


class TinyEncoder(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.conv_in = nn.Conv3d(3 * GROUP * SCALE * SCALE, hidden, kernel_size=1)
        self.conv_out = nn.Conv3d(hidden, Z, kernel_size=(2, 3, 3))

    def forward(self, sample):
        # The first frame alone: repeated to a group of 4, then every group of 4 frames is one latent frame.
        first = sample[:, :, :1]
        x = torch.cat([first, first, first, sample], dim=2)
        b, c, t, H, W = x.shape
        f, hh, ww = t // GROUP, H // SCALE, W // SCALE
        x = x.reshape(b, c, f, GROUP, hh, SCALE, ww, SCALE).permute(0, 3, 1, 5, 7, 2, 4, 6)
        x = x.reshape(b, GROUP * c * SCALE * SCALE, f, hh, ww)
        h = F.silu(self.conv_in(x))
        return self.conv_out(causal_pad(h))


def tiny_vae_init(module, seed):
    """Random weights of moderate gain (outputs O(1) before the tanh), every value a float16 number."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            fan_in = p[0].numel() if p.dim() > 1 else 1
            std = 1.0 / fan_in ** 0.5 if p.dim() > 1 else 0.1
            p.copy_((torch.randn(p.shape, generator=g) * std).half().float())
    return module
