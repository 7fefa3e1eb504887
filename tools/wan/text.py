"""Tiny T5-style text encoder and tokenizer for the test fixtures (the role of Wan's umT5-XXL encoder).

The encoder follows umT5's: token embedding (`shared`), then per block an RMS LayerNorm (weight only, eps 1e-6),
self-attention without the 1/sqrt(d) scaling and with a bidirectional bucketed relative position bias of its own
(umT5 keeps one per block; T5 shares the first block's), an RMS LayerNorm and a gated-GELU feed-forward
(gelu_tanh(wi_0·x) * wi_1·x -> wo); a final RMS LayerNorm. Its width is tiny, so a last Linear (`proj`, not in umT5)
maps it to the 4096 values per token that the transformer's text embedding reads. I/O of the TensorStack export:
`input_ids` [1,L] int64 -> `last_hidden_state` [1,L,4096] (no attention mask input: every given token is attended).

The tokenizer is a small Unigram model with T5's conventions (`<pad>` 0, `</s>` 1 appended to every sequence, `<unk>`
2, Metaspace "▁" pre-tokenizer, lowercase normaliser), written as a Hugging Face tokenizer.json.
"""
import json
import math
import string

import torch
import torch.nn.functional as F
from torch import nn

from model import TEXT_DIM, RMSNorm  # T5's LayerNorm is the same RMS norm (weight only, eps 1e-6) as Wan's

NUM_BUCKETS = 32
MAX_DISTANCE = 128

SPECIAL = ["<pad>", "</s>", "<unk>"]
WORDS = ("a the of and in on with to is are red green blue yellow white black ball balls cat dog bird car tree sky "
         "sea water fire light dark slow fast moving falls bounces rolls flies runs jumps walks video frame camera "
         "scene motion static blurry quality low high best worst ugly bad").split()


def vocabulary():
    """(piece, score) pairs: specials, whole words, single characters; longer pieces score higher."""
    pieces = [(s, 0.0) for s in SPECIAL]
    pieces.append(("▁", -4.0))
    pieces += [("▁" + w, -2.0 - 0.01 * i) for i, w in enumerate(WORDS)]
    chars = string.ascii_lowercase + string.digits + ".,!?'-"
    pieces += [("▁" + c, -6.0) for c in chars if c not in WORDS]
    pieces += [(c, -7.0 - 0.01 * i) for i, c in enumerate(chars)]
    return pieces


def tokenizer_json():
    vocab = vocabulary()
    ids = {p: i for i, (p, _) in enumerate(vocab)}
    added = [{"id": ids[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for s in SPECIAL]
    eos = {"id": "</s>", "type_id": 0}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": eos}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": eos},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": eos}],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [ids["</s>"]], "tokens": ["</s>"]}},
        },
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": ids["<unk>"], "vocab": [[p, s] for p, s in vocab], "byte_fallback": False},
    }


def tokenizer_config():
    return {"tokenizer_class": "T5Tokenizer", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
            "model_max_length": 512, "add_prefix_space": True}


def write_tokenizer(folder):
    import os
    os.makedirs(folder, exist_ok=True)
    for name, obj in (("tokenizer.json", tokenizer_json()), ("tokenizer_config.json", tokenizer_config())):
        tmp = os.path.join(folder, name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=1)
        os.replace(tmp, os.path.join(folder, name))


def relative_bucket(rel):
    """T5's bidirectional bucket of memory − query offsets: exact below 8 each way, logarithmic up to 128."""
    half = NUM_BUCKETS // 2
    exact = half // 2
    bucket = (rel > 0).long() * half
    n = rel.abs()
    large = exact + (torch.log(n.float().clamp(min=1) / exact) / math.log(MAX_DISTANCE / exact) * (half - exact)).long()
    large = torch.clamp(large, max=half - 1)
    return bucket + torch.where(n < exact, n, large)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(dim, dim, bias=False)
        self.v = nn.Linear(dim, dim, bias=False)
        self.o = nn.Linear(dim, dim, bias=False)
        self.relative_attention_bias = nn.Embedding(NUM_BUCKETS, heads)

    def forward(self, x):
        b, L, c = x.shape
        split = lambda t: t.reshape(b, L, self.heads, c // self.heads).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        pos = torch.arange(L)
        bias = self.relative_attention_bias(relative_bucket(pos[None, :] - pos[:, None])).permute(2, 0, 1)
        w = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) + bias, dim=-1)
        return self.o(torch.matmul(w, v).transpose(1, 2).reshape(b, L, c))


class Block(nn.Module):
    def __init__(self, dim, ffn, heads):
        super().__init__()
        self.norm1 = RMSNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = RMSNorm(dim)
        self.wi_0 = nn.Linear(dim, ffn, bias=False)
        self.wi_1 = nn.Linear(dim, ffn, bias=False)
        self.wo = nn.Linear(ffn, dim, bias=False)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        h = self.norm2(x)
        return x + self.wo(F.gelu(self.wi_0(h), approximate="tanh") * self.wi_1(h))


class TinyT5Encoder(nn.Module):
    """input_ids [1,L] int64 -> last_hidden_state [1,L,4096]."""

    def __init__(self, vocab=None, dim=32, ffn=64, heads=2, layers=2):
        super().__init__()
        self.shared = nn.Embedding(vocab or len(vocabulary()), dim)
        self.blocks = nn.ModuleList(Block(dim, ffn, heads) for _ in range(layers))
        self.final_layer_norm = RMSNorm(dim)
        self.proj = nn.Linear(dim, TEXT_DIM, bias=False)

    def forward(self, input_ids):
        x = self.shared(input_ids)
        for block in self.blocks:
            x = block(x)
        return self.proj(self.final_layer_norm(x))


def tiny_text_init(module, seed):
    """Random weights: O(1) activations, outputs of about 0.5 per value (umT5's scale), every value a float16 number."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name.endswith("final_layer_norm.weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.startswith("shared") or "relative_attention_bias" in name:
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[1]))
        module.proj.weight.mul_(0.5)
        for p in module.parameters():
            p.copy_(p.half().float())
    return module
