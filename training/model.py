"""Small video DiT for flow matching on the PCA latent (see training/README.md).

Input  x [B,C,F,h,w] noisy normalised latent, sigma [B], scenario [B] (null id = S), given [B,C,F,h,w], given_mask [B,1,F,h,w]
Output v [B,C,F,h,w]  (velocity v = eps - x0, x_sigma = (1-sigma) x0 + sigma eps)

Tokens: 2x2 latent cells of one frame (temporal patch 1) -> F * (h/2) * (w/2) tokens (16 * 4 * 4 = 256).
Each block: spatial self-attention (the 16 tokens of a frame), temporal self-attention (the F frames at one location),
MLP; each with adaLN-Zero (shift, scale, gate) from c = MLP(sinusoid(1000 sigma)) + scenario embedding,
in the adaLN-single form (one shared Linear(c) -> 9D plus a learned per-block offset) to stay under 20 MB of fp32.
Positions: learned spatial (h/2*w/2) + learned temporal (F) embeddings added to the input tokens.
Attention is written by hand (torch 1.13 has no scaled_dot_product_attention; also exports to plain ONNX ops).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as Fn


def sinusoid(t, dim, max_period=10000.0):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    a = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


def modulate(x, shift, scale):
    return x * (1 + scale) + shift


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):  # x [N, L, D]
        N, L, D = x.shape
        H = self.heads
        qkv = self.qkv(x).reshape(N, L, 3, H, D // H).permute(2, 0, 3, 1, 4)  # 3 N H L d
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(D // H))
        att = torch.softmax(att, dim=-1)
        o = torch.matmul(att, v).transpose(1, 2).reshape(N, L, D)
        return self.proj(o)


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio=4.0):
        super().__init__()
        self.n1 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.sattn = Attention(dim, heads)
        self.n2 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.tattn = Attention(dim, heads)
        self.n3 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        hid = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hid), nn.GELU(approximate="tanh"), nn.Linear(hid, dim))
        # adaLN-single (PixArt-alpha): the 9 modulation vectors come from one Linear shared by all blocks,
        # plus this per-block table; both start at zero, so every gate starts at 0 (adaLN-Zero).
        self.table = nn.Parameter(torch.zeros(9 * dim))

    def forward(self, x, mod):  # x [B, F, S, D], mod [B, 9D] (shared modulation)
        B, F, S, D = x.shape
        m = (mod + self.table)[:, None, None, :].chunk(9, dim=-1)
        h = modulate(self.n1(x), m[0], m[1]).reshape(B * F, S, D)
        x = x + m[2] * self.sattn(h).reshape(B, F, S, D)
        h = modulate(self.n2(x), m[3], m[4]).transpose(1, 2).reshape(B * S, F, D)
        x = x + m[5] * self.tattn(h).reshape(B, S, F, D).transpose(1, 2)
        x = x + m[8] * self.mlp(modulate(self.n3(x), m[6], m[7]))
        return x


class VideoDiT(nn.Module):
    def __init__(self, channels=24, frames=16, height=8, width=8, patch=2, dim=256, depth=8, heads=4,
                 num_scenarios=9, mlp_ratio=4.0):
        super().__init__()
        self.cfg = dict(channels=channels, frames=frames, height=height, width=width, patch=patch, dim=dim,
                        depth=depth, heads=heads, num_scenarios=num_scenarios, mlp_ratio=mlp_ratio)
        self.C, self.F, self.h, self.w, self.p = channels, frames, height, width, patch
        self.gh, self.gw = height // patch, width // patch
        in_ch = 2 * channels + 1
        self.embed = nn.Linear(in_ch * patch * patch, dim)
        self.pos_s = nn.Parameter(torch.randn(1, 1, self.gh * self.gw, dim) * 0.02)
        self.pos_t = nn.Parameter(torch.randn(1, frames, 1, dim) * 0.02)
        self.t_mlp = nn.Sequential(nn.Linear(256, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.y_emb = nn.Embedding(num_scenarios + 1, dim)  # last id = null (CFG)
        nn.init.normal_(self.y_emb.weight, std=0.02)
        self.blocks = nn.ModuleList([Block(dim, heads, mlp_ratio) for _ in range(depth)])
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(dim, 9 * dim))
        nn.init.zeros_(self.ada[1].weight)
        nn.init.zeros_(self.ada[1].bias)
        self.nf = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.ada_f = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))
        self.out = nn.Linear(dim, channels * patch * patch)
        for mod in (self.ada_f[1], self.out):
            nn.init.zeros_(mod.weight)
            nn.init.zeros_(mod.bias)

    def patchify(self, z):  # [B, K, F, h, w] -> [B, F, gh*gw, K*p*p]  (feature order k, dy, dx)
        B, K, F, h, w = z.shape
        p = self.p
        z = z.reshape(B, K, F, self.gh, p, self.gw, p).permute(0, 2, 3, 5, 1, 4, 6)
        return z.reshape(B, F, self.gh * self.gw, K * p * p)

    def unpatchify(self, t):  # [B, F, gh*gw, C*p*p] -> [B, C, F, h, w]
        B = t.shape[0]
        p = self.p
        t = t.reshape(B, self.F, self.gh, self.gw, self.C, p, p).permute(0, 4, 1, 2, 5, 3, 6)
        return t.reshape(B, self.C, self.F, self.h, self.w)

    def forward(self, x, sigma, scenario, given, given_mask):
        inp = torch.cat([x, given, given_mask], dim=1)
        tok = self.embed(self.patchify(inp)) + self.pos_s + self.pos_t
        c = self.t_mlp(sinusoid(sigma * 1000.0, 256)) + self.y_emb(scenario)
        mod = self.ada(c)
        for blk in self.blocks:
            tok = blk(tok, mod)
        sh, sc = self.ada_f(c)[:, None, None, :].chunk(2, dim=-1)
        return self.unpatchify(self.out(modulate(self.nf(tok), sh, sc)))


def count_params(m):
    return sum(p.numel() for p in m.parameters())
