#!/usr/bin/env bash
# Wan2.1 480x832x81 (latent [16,21,60,104], 32,760 transformer tokens) end to end through `selfrefine generate`.
#   bash perf/real-size.sh [REPO]     REPO: a built checkout (default: this one); results in docs/models-real-size.md
# 1. The stand-in transformer with the public exports' I/O (tools/standin_transformer.py, built into a scratch
#    folder) at the real size with P&P: peak RSS, wall and CPU time, sampling time per NFE.
# 2. The tiny Wan2.1-architecture transformer (test/fixtures/wan-tiny/t2v: full attention over every token) at
#    growing frame counts of 832x480: peak RSS fitted to a + b·N² over N tokens and extrapolated to 32,760 tokens.
#    The real size runs only when that estimate fits in the memory available now (with 2 GiB to spare).
# Needs /usr/bin/python3 with onnx and numpy, and GNU time (/usr/bin/time, Debian's `time` package).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "${1:-$here}" && pwd)"
cli="$repo/dist/src/cli/main.js"
tiny="${TINY_MODEL:-$repo/test/fixtures/wan-tiny/t2v}"
[ -f "$cli" ] || { echo "real-size: $cli not found; run npm run build in $repo first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "real-size: /usr/bin/time not found; apt-get install time" >&2; exit 2; }

scratch="$(mktemp -d /tmp/selfrefine-real-size.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT

/usr/bin/python3 "$here/tools/standin_transformer.py" "$scratch/standin"
/usr/bin/python3 - "$scratch" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(0)
for name in ("pos", "neg"):
    np.save(f"{sys.argv[1]}/{name}.npy", (0.1 * rng.standard_normal((512, 4096))).astype(np.float32))
PY

# run LABEL MODEL FRAMES [ARGS...]: one generate at 832x480 under GNU time; prints one line of figures.
run() {
  local label="$1" model="$2" frames="$3"
  shift 3
  local log="$scratch/$label.log"
  if ! /usr/bin/time -v node "$cli" generate --model "$model" --preset wan2.1-t2v-1.3b \
    --prompt-embeds "$scratch/pos.npy" --negative-embeds "$scratch/neg.npy" \
    --frames "$frames" --size 832x480 --seed 1 --out "$scratch/$label.npy" "$@" >"$log" 2>&1; then
    echo "real-size: $label failed:" >&2
    tail -5 "$log" >&2
    exit 1
  fi
  local nfe seconds rss wall
  nfe="$(sed -n 's/^nfe \([0-9]*\).*/\1/p' "$log")"
  seconds="$(sed -n 's/.* seconds \([0-9.]*\).*/\1/p' "$log")"
  rss="$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\)/\1/p' "$log")"
  wall="$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): \(.*\)/\1/p' "$log")"
  cpu="$(awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.1f", t }' "$log")"
  echo "$label frames=$frames latent=$(grep -o 'latent \[[^]]*\]' "$log" | head -1 | cut -c8-) nfe=$nfe sampling_s=$seconds s_per_nfe=$(awk -v s="$seconds" -v n="$nfe" 'BEGIN { printf "%.3f", s / n }') peak_rss_mib=$((rss / 1024)) wall=$wall cpu_s=$cpu"
}

echo "# stand-in network, 4 steps, P&P on steps 0-1 with K = 2 (CFG 6, τ 0.25 from the preset)"
run standin-euler "$scratch/standin" 81 --solver euler --steps 4 --refine pnp --plan 0-1:2
run standin-unipc "$scratch/standin" 81 --solver unipc --steps 4 --refine pnp --plan 0-1:2

echo "# tiny Wan2.1 transformer (full attention), one step, no refinement"
fits=""
for frames in 5 9 17 25 33; do
  line="$(run "tiny-$frames" "$tiny" "$frames" --solver euler --steps 1 --refine none)"
  echo "$line"
  # tokens: latent F·(H/2)·(W/2) with the 1x2x2 patch
  f=$(((frames - 1) / 4 + 1))
  fits+="$((f * 30 * 52)) $(echo "$line" | sed -n 's/.*peak_rss_mib=\([0-9]*\).*/\1/p')"$'\n'
done
available_mib=$(($(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024))
estimate_mib="$(printf '%s' "$fits" | awk '
  { x = $1 * $1; y = $2; n++; sx += x; sy += y; sxx += x * x; sxy += x * y }
  END { b = (n * sxy - sx * sy) / (n * sxx - sx * sx); a = (sy - b * sx) / n
        printf "%d", a + b * 32760 * 32760
        printf "tiny transformer: peak RSS ≈ %.0f MiB + %.1f bytes × N² (N tokens); at 32,760 tokens ≈ %.1f GiB\n", a, b * 1048576, (a + b * 32760 * 32760) / 1024 > "/dev/stderr" }')"
echo "memory available now: $((available_mib / 1024)) GiB"
if [ "$estimate_mib" -lt $((available_mib - 2048)) ]; then
  run tiny-81 "$tiny" 81 --solver euler --steps 4 --refine pnp --plan 0-1:2
else
  echo "tiny transformer at 81 frames: not run (estimated $((estimate_mib / 1024)) GiB > $((available_mib / 1024)) GiB available − 2 GiB)"
fi
