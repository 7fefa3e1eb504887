"""The Wan2.1 diffusion transformer (text-to-video), written for ONNX export at any width and depth.

The architecture and parameter names follow Wan-Video/Wan2.1 `wan/modules/model.py` (`WanModel`), so a real Wan2.1 or
Wan2.2-A14B state dict (`diffusion_pytorch_model*.safetensors` of the original repositories, keys such as
`blocks.0.self_attn.q.weight`) loads with `load_state_dict(strict=True)` into `WanTransformer(CONFIGS["1.3b"])` or
`CONFIGS["14b"]`:

- `patch_embedding`: Conv3d, kernel = stride = 1x2x2, in_dim -> dim;
- `text_embedding.0` / `.2`: Linear text_dim (4096) -> dim, GELU (tanh), Linear dim -> dim;
- sinusoidal embedding of the timestep (freq_dim: cos half, then sin half), `time_embedding.0` / `.2` (Linear, SiLU,
  Linear) and `time_projection.1` (SiLU, Linear dim -> 6*dim): the six modulation vectors of every block;
- `blocks.N`: `modulation` [1,6,dim] added to them; LayerNorm (eps 1e-6, no affine) with shift/scale, self-attention
  (`self_attn.q/k/v/o`, RMSNorm `norm_q`/`norm_k` over the whole width) with 3-D RoPE, gated residual; `norm3`
  (LayerNorm with affine, Wan's cross_attn_norm) and cross-attention on the 512 text tokens (`cross_attn.*`, all 512
  attended: Wan passes no text lengths, so the zero padding counts); LayerNorm with shift/scale, `ffn.0` / `ffn.2`
  (GELU tanh), gated residual;
- `head.modulation` [1,2,dim] plus the time embedding (before the projection): shift/scale of a last LayerNorm, then
  `head.head` (Linear dim -> 4*out_dim) and unpatchify.

3-D RoPE: the head's d/2 complex pairs are split into d/2 - 2*(d/6) frame pairs and d/6 pairs each for height and
width, with frequencies theta^(-2j/D) over each part's own width D (theta 10000), as Wan's `rope_params`. Pairs are
adjacent channels (2j, 2j+1), as `torch.view_as_complex` reads them. Wan computes the rotation and the sinusoidal
embedding in float64; here both are float32 (ONNX graphs for onnxruntime's CPU provider), which changes a real
checkpoint's output only by float32 rounding.

Not included: Wan2.1's image-to-video CLIP branch (`img_emb`, `k_img`/`v_img`). Wan2.2-I2V-A14B needs none of it: it
is this network with in_dim 36.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

TEXT_DIM = 4096
TEXT_LEN = 512

CONFIGS = {
    # The test networks: small enough to commit, every part of the architecture present.
    "tiny": dict(dim=32, ffn_dim=64, freq_dim=32, num_heads=2, num_layers=2, in_dim=16, out_dim=16),
    "tiny-i2v": dict(dim=32, ffn_dim=64, freq_dim=32, num_heads=2, num_layers=2, in_dim=36, out_dim=16),
    # Wan2.1-T2V-1.3B (Wan-Video/Wan2.1 wan/configs/wan_t2v_1_3B.py)
    "1.3b": dict(dim=1536, ffn_dim=8960, freq_dim=256, num_heads=12, num_layers=30, in_dim=16, out_dim=16),
    # Wan2.1-T2V-14B and each expert of Wan2.2-T2V-A14B (wan_t2v_14B.py)
    "14b": dict(dim=5120, ffn_dim=13824, freq_dim=256, num_heads=40, num_layers=40, in_dim=16, out_dim=16),
    # Wan2.2-I2V-A14B experts: 16 latent + 4 mask + 16 image-latent channels in
    "14b-i2v": dict(dim=5120, ffn_dim=13824, freq_dim=256, num_heads=40, num_layers=40, in_dim=36, out_dim=16),
}

EPS = 1e-6


class LayerNorm(nn.Module):
    """LayerNorm over the last axis as explicit ops (torch 1.13's opset-17 LayerNormalization export needs a scale);
    with `affine` it holds `weight` and `bias` like nn.LayerNorm."""

    def __init__(self, dim, affine=False):
        super().__init__()
        if affine:
            self.weight = nn.Parameter(torch.ones(dim))
            self.bias = nn.Parameter(torch.zeros(dim))
        else:
            self.weight = None
            self.bias = None

    def forward(self, x):
        d = x - x.mean(-1, keepdim=True)
        y = d * torch.rsqrt((d * d).mean(-1, keepdim=True) + EPS)
        return y if self.weight is None else y * self.weight + self.bias


class RMSNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + EPS) * self.weight


def attention(q, k, v):
    """q [B,Sq,n,d], k and v [B,Sk,n,d] -> [B,Sq,n*d]; softmax(q·k/sqrt(d)) over all keys."""
    d = q.shape[-1]
    q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
    w = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(d)), dim=-1)
    out = torch.matmul(w, v).transpose(1, 2)
    return out.flatten(2)


def rope_split(head_dim):
    """Complex pairs of the frame, height and width parts of a head (Wan's split)."""
    pairs = head_dim // 2
    hw = pairs // 3
    return pairs - 2 * hw, hw, hw


def rope_angles(f, h, w, head_dim, theta=10000.0):
    """Rotation angles [f*h*w, head_dim/2] for a latent grid of f x h x w tokens (frame-major order)."""
    parts = rope_split(head_dim)
    grids = torch.meshgrid(torch.arange(f), torch.arange(h), torch.arange(w), indexing="ij")
    angles = []
    for n, pos in zip(parts, grids):
        inv = torch.pow(theta, -torch.arange(0, 2 * n, 2, dtype=torch.float64) / (2 * n)).float()
        angles.append(pos.reshape(-1, 1).float() * inv)
    return torch.cat(angles, dim=1)


def rope_apply(x, cos, sin):
    """x [B,S,n,d] with adjacent channels as (real, imaginary) pairs, rotated by the angles whose cos/sin are [S,1,d/2]."""
    b, s, n, d = x.shape
    pairs = x.reshape(b, s, n, d // 2, 2)
    re, im = pairs[..., 0], pairs[..., 1]
    out = torch.stack([re * cos - im * sin, re * sin + im * cos], dim=-1)
    return out.reshape(b, s, n, d)


class SelfAttention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.o = nn.Linear(dim, dim)
        self.norm_q = RMSNorm(dim)
        self.norm_k = RMSNorm(dim)

    def heads(self, x):
        b, s, c = x.shape
        return x.reshape(b, s, self.num_heads, c // self.num_heads)

    def forward(self, x, cos, sin):
        q = rope_apply(self.heads(self.norm_q(self.q(x))), cos, sin)
        k = rope_apply(self.heads(self.norm_k(self.k(x))), cos, sin)
        return self.o(attention(q, k, self.heads(self.v(x))))


class CrossAttention(SelfAttention):
    def forward(self, x, context):
        q = self.heads(self.norm_q(self.q(x)))
        k = self.heads(self.norm_k(self.k(context)))
        return self.o(attention(q, k, self.heads(self.v(context))))


class Block(nn.Module):
    def __init__(self, dim, ffn_dim, num_heads):
        super().__init__()
        self.norm1 = LayerNorm(dim)
        self.self_attn = SelfAttention(dim, num_heads)
        self.norm3 = LayerNorm(dim, affine=True)
        self.cross_attn = CrossAttention(dim, num_heads)
        self.norm2 = LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, ffn_dim), nn.GELU(approximate="tanh"), nn.Linear(ffn_dim, dim))
        self.modulation = nn.Parameter(torch.randn(1, 6, dim) / dim ** 0.5)

    def forward(self, x, e, context, cos, sin):
        shift1, scale1, gate1, shift2, scale2, gate2 = (self.modulation + e).chunk(6, dim=1)
        x = x + self.self_attn(self.norm1(x) * (1 + scale1) + shift1, cos, sin) * gate1
        x = x + self.cross_attn(self.norm3(x), context)
        return x + self.ffn(self.norm2(x) * (1 + scale2) + shift2) * gate2


class Head(nn.Module):
    def __init__(self, dim, out_dim, patch):
        super().__init__()
        self.norm = LayerNorm(dim)
        self.head = nn.Linear(dim, out_dim * math.prod(patch))
        self.modulation = nn.Parameter(torch.randn(1, 2, dim) / dim ** 0.5)

    def forward(self, x, e):
        shift, scale = (self.modulation + e.unsqueeze(1)).chunk(2, dim=1)
        return self.head(self.norm(x) * (1 + scale) + shift)


def sinusoidal(dim, t):
    """[B] timesteps -> [B, dim]: cos of t·10000^(-j/half) for j < half, then sin (Wan's sinusoidal_embedding_1d)."""
    half = dim // 2
    freqs = torch.pow(10000.0, -torch.arange(half, dtype=torch.float64) / half).float()
    arg = t.reshape(-1, 1).float() * freqs
    return torch.cat([torch.cos(arg), torch.sin(arg)], dim=1)


class WanTransformer(nn.Module):
    """forward(hidden_states [1,in_dim,F,H,W], timestep [1] (σ·1000), encoder_hidden_states [1,512,4096]) -> [1,out_dim,F,H,W]."""

    patch = (1, 2, 2)

    def __init__(self, config):
        super().__init__()
        c = dict(config)
        self.dim = c["dim"]
        self.freq_dim = c["freq_dim"]
        self.num_heads = c["num_heads"]
        self.out_dim = c["out_dim"]
        dim = self.dim
        self.patch_embedding = nn.Conv3d(c["in_dim"], dim, kernel_size=self.patch, stride=self.patch)
        self.text_embedding = nn.Sequential(nn.Linear(TEXT_DIM, dim), nn.GELU(approximate="tanh"), nn.Linear(dim, dim))
        self.time_embedding = nn.Sequential(nn.Linear(self.freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.time_projection = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))
        self.blocks = nn.ModuleList(Block(dim, c["ffn_dim"], self.num_heads) for _ in range(c["num_layers"]))
        self.head = Head(dim, self.out_dim, self.patch)

    def forward(self, hidden_states, timestep, encoder_hidden_states):
        return self.forward_embedded(hidden_states, timestep, self.text_embedding(encoder_hidden_states))

    def forward_embedded(self, hidden_states, timestep, context):
        """forward() after the text embedding: `context` [1,512,dim] is text_embedding(encoder_hidden_states)."""
        x = self.patch_embedding(hidden_states)
        b, _, f, h, w = x.shape
        x = x.flatten(2).transpose(1, 2)
        angles = rope_angles(f, h, w, self.dim // self.num_heads).unsqueeze(1)
        cos, sin = torch.cos(angles), torch.sin(angles)

        e = self.time_embedding(sinusoidal(self.freq_dim, timestep))
        e6 = self.time_projection(e).reshape(-1, 6, self.dim)
        for block in self.blocks:
            x = block(x, e6, context, cos, sin)
        x = self.head(x, e)
        return self.unpatchify(x, f, h, w)

    def unpatchify(self, x, f, h, w):
        pt, ph, pw = self.patch
        b = x.shape[0]
        x = x.reshape(b, f, h, w, pt, ph, pw, self.out_dim)
        x = x.permute(0, 7, 1, 4, 2, 5, 3, 6)
        return x.reshape(b, self.out_dim, f * pt, h * ph, w * pw)


def tiny_init(model, seed):
    """Random weights for a test network: every pathway (latent, timestep, text) moves the output by O(1), outputs
    stay O(1), and every value is a float16 number (so the ONNX file can store float16 weights exactly)."""
    g = torch.Generator().manual_seed(seed)

    def normal(p, std):
        with torch.no_grad():
            p.copy_(torch.randn(p.shape, generator=g) * std)

    for name, p in model.named_parameters():
        if name.endswith("norm_q.weight") or name.endswith("norm_k.weight") or name.endswith("norm3.weight"):
            normal(p, 0.2)
            with torch.no_grad():
                p.add_(1.0)
        elif name.endswith(".bias"):
            normal(p, 0.1)
        elif name.endswith("modulation"):
            normal(p, 0.3)
        elif p.dim() >= 2:
            fan_in = p[0].numel()
            normal(p, 1.0 / math.sqrt(fan_in))
        else:
            normal(p, 0.1)
    with torch.no_grad():
        # The timestep pathway: sinusoidal features are O(1), so the embedding varies strongly with the timestep.
        model.time_embedding[0].weight.mul_(2.0)
        # The text pathway: 4096 inputs of O(1) and zero rows for padding; scaled so prompt and padding differ clearly.
        model.text_embedding[0].weight.mul_(2.0)
        # Sharp cross-attention: the few prompt tokens must outweigh the ~500 identical padding tokens.
        for block in model.blocks:
            block.cross_attn.norm_q.weight.mul_(3.0)
            block.cross_attn.norm_k.weight.mul_(3.0)
        # Output of O(1), like a velocity ε − x0.
        model.head.head.weight.mul_(0.7)
        for p in model.parameters():
            p.copy_(p.half().float())
    return model
