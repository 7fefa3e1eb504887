"""Small video U-Net for flow matching on the PCA latent (the architecture of physics-v2; see training/README.md).

Same inputs and outputs as model.VideoDiT (so the ONNX contract and the TypeScript side do not change):
x [B,C,F,h,w] noisy latent, sigma [B], scenario [B] (null id = S), given [B,C,F,h,w], given_mask [B,1,F,h,w] -> v.

Why a U-Net: the DiT of physics-v1 (tokens of 2x2 latent cells) still drew balls as 8-px, token-aligned fragments
after 3,300 steps; convolutions carry locality from the first step, so a ball is one blob long before the model has
learned the dynamics. Layout, at latent resolution (16 frames of 8x8 cells = 4x4 pixels each):

  level 0: 8x8, C0 channels   (2 res blocks down, 3 up)
  level 1: 4x4, C1 channels   (2 + 3, spatio-temporal self-attention after each)
  level 2: 2x2, C2 channels   (2 + 3, spatio-temporal self-attention after each) + middle block
Each res block is a (2+1)-D block: GroupNorm, SiLU, 1x3x3 spatial conv, FiLM from the condition (sigma + scenario),
SiLU, 3x1x1 temporal conv (zero-initialised, so every block starts as the identity). Down/up-sampling is spatial only
(stride 2 conv / nearest + conv); time keeps all 16 frames everywhere, because motion is what the model must get right.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as Fn

from model import sinusoid


class GroupNorm32(nn.GroupNorm):
    """GroupNorm in float32 (torch 1.13's CPU group_norm rejects bf16 activations under autocast)."""

    def forward(self, x):
        return super().forward(x.float())


def norm(ch, groups=16):
    return GroupNorm32(min(groups, ch // 4), ch, eps=1e-5)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, cdim, groups=16):
        super().__init__()
        self.n1 = norm(cin, groups)
        self.conv_s = nn.Conv3d(cin, cout, (1, 3, 3), padding=(0, 1, 1))
        self.film = nn.Linear(cdim, 2 * cout)
        self.n2 = norm(cout, groups)
        self.conv_t = nn.Conv3d(cout, cout, (3, 1, 1), padding=(1, 0, 0))
        nn.init.zeros_(self.conv_t.weight)
        nn.init.zeros_(self.conv_t.bias)
        self.skip = nn.Conv3d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, c):
        h = self.conv_s(Fn.silu(self.n1(x)))
        scale, shift = self.film(c)[:, :, None, None, None].chunk(2, dim=1)
        h = self.n2(h) * (1 + scale) + shift
        h = self.conv_t(Fn.silu(h))
        return self.skip(x) + h


class AttnBlock(nn.Module):
    """Self-attention over all (frame, row, col) positions of one level; output projection zero-initialised."""

    def __init__(self, ch, heads, groups=16):
        super().__init__()
        self.heads = heads
        self.n = norm(ch, groups)
        self.qkv = nn.Linear(ch, 3 * ch)
        self.proj = nn.Linear(ch, ch)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x):
        B, C, F, H, W = x.shape
        L, Hd = F * H * W, self.heads
        t = self.n(x).reshape(B, C, L).transpose(1, 2)
        qkv = self.qkv(t).reshape(B, L, 3, Hd, C // Hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(C // Hd)), dim=-1)
        o = torch.matmul(att, v).transpose(1, 2).reshape(B, L, C)
        return x + self.proj(o).transpose(1, 2).reshape(B, C, F, H, W)


class Level(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x, c):
        for b in self.blocks:
            x = b(x, c) if isinstance(b, ResBlock) else b(x)
        return x


class VideoUNet(nn.Module):
    def __init__(self, channels=24, frames=16, height=8, width=8, widths=(64, 128, 192), heads=4, attn_levels=(1, 2),
                 num_scenarios=9, cdim=256, frames_embed=True, groups=16):
        super().__init__()
        self.cfg = dict(channels=channels, frames=frames, height=height, width=width, widths=list(widths), heads=heads,
                        attn_levels=list(attn_levels), num_scenarios=num_scenarios, cdim=cdim,
                        groups=groups)
        in_ch = 2 * channels + 1
        self.t_mlp = nn.Sequential(nn.Linear(256, cdim), nn.SiLU(), nn.Linear(cdim, cdim))
        self.y_emb = nn.Embedding(num_scenarios + 1, cdim)
        nn.init.normal_(self.y_emb.weight, std=0.02)
        # A learned per-frame offset: the model must know which frame is which (gravity acts over time from frame 0).
        self.frame_emb = nn.Parameter(torch.zeros(1, widths[0], frames, 1, 1))
        self.stem = nn.Conv3d(in_ch, widths[0], (1, 3, 3), padding=(0, 1, 1))
        n = len(widths)

        def level(cin, cout, lv, count):
            blocks = []
            for i in range(count):
                blocks.append(ResBlock(cin if i == 0 else cout, cout, cdim, groups))
                if lv in attn_levels:
                    blocks.append(AttnBlock(cout, heads, groups))
            return Level(blocks)

        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skips = []
        ch = widths[0]
        for lv in range(n):
            self.down.append(level(ch, widths[lv], lv, 2))
            ch = widths[lv]
            skips.append(ch)
            if lv < n - 1:
                self.downsample.append(nn.Conv3d(ch, ch, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)))
        self.mid = Level([ResBlock(ch, ch, cdim, groups), AttnBlock(ch, heads, groups), ResBlock(ch, ch, cdim, groups)])
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for lv in reversed(range(n)):
            self.up.append(level(ch + skips[lv], widths[lv], lv, 2))
            ch = widths[lv]
            if lv > 0:
                self.upsample.append(nn.Conv3d(ch, widths[lv - 1], (1, 3, 3), padding=(0, 1, 1)))
                ch = widths[lv - 1]
        self.out_norm = norm(ch, groups)
        self.out = nn.Conv3d(ch, channels, (1, 3, 3), padding=(0, 1, 1))
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, sigma, scenario, given, given_mask):
        c = self.t_mlp(sinusoid(sigma * 1000.0, 256)) + self.y_emb(scenario)
        c = Fn.silu(c)
        h = self.stem(torch.cat([x, given, given_mask], dim=1)) + self.frame_emb
        skips = []
        for lv, blk in enumerate(self.down):
            h = blk(h, c)
            skips.append(h)
            if lv < len(self.downsample):
                h = self.downsample[lv](h)
        h = self.mid(h, c)
        for i, blk in enumerate(self.up):
            h = blk(torch.cat([h, skips.pop()], dim=1), c)
            if i < len(self.upsample):
                B, C, F, H, W = h.shape
                h = h.reshape(B, C, F, H, 1, W, 1).expand(B, C, F, H, 2, W, 2).reshape(B, C, F, 2 * H, 2 * W)
                h = self.upsample[i](h)
        return self.out(Fn.silu(self.out_norm(h)))
