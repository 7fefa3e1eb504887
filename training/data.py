"""Dataset loading for the physics world (format selfrefine-world/1, see src/world/dataset/schema.ts).

DIR/clips.json  {format, world, count, shards:[{file, clips}], clips:[{scenario, ...}]}  (or a bare list of entries)
DIR/videos.npy  [N, 3, F, H, W] uint8 0-255 (or float32 in [-1, 1]); or shards videos-00000.npy ... listed in clips.json
"""
import json
import os
import re

import numpy as np

# Order of src/world/scenarios.ts SCENARIOS = scenario ids. Checked against the TypeScript source when available.
SCENARIOS = [
    ("drop-bounce", "a red ball falls and bounces on the floor"),
    ("throw-arc", "a green ball is thrown and flies in an arc without touching anything"),
    ("drift", "a blue ball drifts slowly with no gravity"),
    ("wall-bounce", "a green ball bounces off the walls with no gravity"),
    ("two-collide", "a red ball and a blue ball collide with no gravity"),
    ("two-fall", "a red ball and a green ball fall side by side and bounce on the floor"),
    ("two-pass", "a green ball and a blue ball glide past each other with no gravity"),
    ("three-box", "a red, a green and a blue ball move around a box with no gravity"),
    ("three-fall", "a red, a green and a blue ball fall and bounce on the floor"),
]
SCENARIO_NAMES = [s[0] for s in SCENARIOS]
SCENARIO_ID = {n: i for i, n in enumerate(SCENARIO_NAMES)}
NUM_SCENARIOS = len(SCENARIOS)
NULL_SCENARIO = NUM_SCENARIOS  # unconditional id for classifier-free guidance

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def check_scenarios_against_source(path=os.path.join(_REPO, "src", "world", "scenarios.ts")):
    """Parse name/prompt pairs from scenarios.ts and compare with SCENARIOS (raises on mismatch)."""
    if not os.path.exists(path):
        return False
    src = open(path, encoding="utf-8").read()
    pairs = re.findall(r"name:\s*'([^']+)',\s*\n\s*prompt:\s*'([^']+)'", src)
    if [tuple(p) for p in pairs] != SCENARIOS:
        raise RuntimeError(f"scenario vocabulary in training/data.py differs from {path}: {pairs}")
    return True


def load_dataset(d, limit=None):
    """Return (videos uint8 [N,3,F,H,W], scenario ids int64 [N], entries list)."""
    manifest = json.load(open(os.path.join(d, "clips.json"), encoding="utf-8"))
    if isinstance(manifest, list):
        entries, shards = manifest, None
    else:
        entries, shards = manifest["clips"], manifest.get("shards")
    files = [s["file"] for s in shards] if shards else ["videos.npy"]
    parts = []
    n = 0
    for f in files:
        a = np.load(os.path.join(d, f), mmap_mode="r")
        if limit is not None and n + a.shape[0] > limit:
            a = a[: limit - n]
        if a.dtype != np.uint8:
            a = np.clip(np.rint((np.asarray(a, dtype=np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)
        parts.append(np.ascontiguousarray(a))
        n += a.shape[0]
        if limit is not None and n >= limit:
            break
    videos = np.concatenate(parts, 0) if len(parts) > 1 else parts[0]
    entries = entries[: videos.shape[0]]
    sc = np.array([SCENARIO_ID[e["scenario"]] for e in entries], dtype=np.int64)
    return videos, sc, entries


def write_dataset(d, videos_u8, scenario_names, extra=None, world=None):
    """Write DIR/videos.npy + DIR/clips.json (atomic renames)."""
    os.makedirs(d, exist_ok=True)
    N, _, F, H, W = videos_u8.shape
    tmp = os.path.join(d, "videos.npy.tmp.npy")
    np.save(tmp, np.ascontiguousarray(videos_u8.astype(np.uint8)))
    os.replace(tmp, os.path.join(d, "videos.npy"))
    entries = []
    for i, n in enumerate(scenario_names):
        e = {"scenario": n, "prompt": dict(SCENARIOS)[n]}
        if extra is not None:
            e.update(extra[i])
        entries.append(e)
    man = {
        "format": "selfrefine-world/1",
        "world": world or {"width": W, "height": H, "frames": F},
        "count": N,
        "shards": [{"file": "videos.npy", "clips": N}],
        "clips": entries,
    }
    tmpj = os.path.join(d, "clips.json.tmp")
    with open(tmpj, "w", encoding="utf-8") as f:
        json.dump(man, f)
    os.replace(tmpj, os.path.join(d, "clips.json"))
