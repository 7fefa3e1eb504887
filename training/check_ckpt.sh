#!/bin/sh
# Progress check of a training run through the real runtime: export the run's last checkpoint to a scratch model
# directory, generate N clips with the TypeScript sampler (default settings unless more flags are given), and score
# them with `selfrefine eval`. The shipped model in models/physics is not touched.
#   sh training/check_ckpt.sh training/runs/v2 45 [extra generate flags, e.g. --refine none --steps 30]
# KEEP=DIR keeps the generated clips there (e.g. for training/montage.py).
set -eu
RUN=$1
N=$2
shift 2
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$REPO/models/physics/vae.json" "$WORK/vae.json"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$REPO/training/export_onnx.py" --run "$RUN" \
  --name "check-$(basename "$RUN")" --out "$WORK" --threads 1 --no-verify > "$WORK/export.log" 2>&1 ||
  { cat "$WORK/export.log"; exit 1; }
STEP=$(node -e "console.log(require('$WORK/card.json').training.steps)")
node "$REPO/dist/src/cli/main.js" generate --model "$WORK/card.json" --count "$N" --seed 100 --out "$WORK/gen" "$@" > "$WORK/gen.log" 2>&1 ||
  { cat "$WORK/gen.log"; exit 1; }
echo "step $STEP, $N clips, generate flags: ${*:-(defaults)}"
node "$REPO/dist/src/cli/main.js" eval "$WORK/gen"
if [ -n "${KEEP:-}" ]; then rm -rf "$KEEP"; cp -r "$WORK/gen" "$KEEP"; fi
