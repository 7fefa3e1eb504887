#!/bin/bash
# Train the shipped model further on a machine with one CUDA GPU, in ONE command of at most 10 minutes whose results
# (each file ≤ 16 MiB) land in one directory. On that machine, from the repo root:
#
#   OUT=/some/dir bash training/device_train.sh        ($OUT: where the results go)
#
# It makes the training data there (SETS exports of 96,000 clips, seeds 1234, 2234, …, in parallel, with Node: the
# machine's own, or the binary that training/device_pack.sh put in .device/), encodes them in parallel, trains from
# the committed weights on the GPU until TOTAL_MINUTES after its start, and leaves in $OUT: the compact EMA weights
# (written at every checkpoint, so a run stopped at the limit still returns them), the training log, log.csv and
# device.log. Back here: `training/export_onnx.py --run <fetched>/weights.pt --name physics-vN --weights-out
# training/weights/physics-vN.pt`. training/README.md ("Training on a GPU machine") has the whole recipe.
set -euo pipefail
T0=$(date +%s)
OUT=${OUT:?set OUT to the directory the results go to}
PY=${PY:-python3}
INIT=${INIT:-$(ls training/weights/physics-v*.pt | sort -V | tail -1)}
TOTAL_MINUTES=${TOTAL_MINUTES:-9}
SETS=${SETS:-4}
CLIPS=${CLIPS:-96000}
BATCH=${BATCH:-256}
LR=${LR:-4e-4}
WARMUP=${WARMUP:-300}
RUN=${RUN:-training/runs/device}
DEVICE=${DEVICE:-cuda}
SCENARIO_WEIGHTS=${SCENARIO_WEIGHTS:-drop-bounce=0.65,throw-arc=0.85,drift=0.85,wall-bounce=1.4,two-collide=1.8,two-fall=0.6,two-pass=1.4,three-box=1.8,three-fall=0.75}
mkdir -p "$OUT"
log() { echo "[$(date +%T) +$(($(date +%s) - T0))s] $*" | tee -a "$OUT/device.log"; }

log "init $INIT, $SETS sets of $CLIPS clips, batch $BATCH, lr $LR, total $TOTAL_MINUTES min"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee -a "$OUT/device.log"
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" | tee -a "$OUT/device.log"

NODE=${NODE-$(command -v node || true)}  # NODE= (set, empty) forces the carried binary
if [ -z "$NODE" ]; then
  [ -f .device/node.xz ] || { log "no node here and no .device/node.xz: run training/device_pack.sh and carry .device"; exit 2; }
  "$PY" -c "import lzma, shutil; shutil.copyfileobj(lzma.open('.device/node.xz'), open('/tmp/node', 'wb'))"
  chmod +x /tmp/node
  NODE=/tmp/node
fi
[ -e node_modules ] || ln -s .device/node_modules node_modules
[ -f dist/src/world/dataset/export.js ] || { log "dist/ is missing: carry it (npm run build here first)"; exit 2; }
log "node $("$NODE" --version)"

DATA=()
for i in $(seq 0 $((SETS - 1))); do
  seed=$((1234 + 1000 * i))
  dir=training/data/world-$CLIPS-s$seed
  DATA+=("$dir")
  [ -f "$dir/clips.json" ] || "$NODE" training/export_world.mjs "$dir" "$CLIPS" "$seed" >> "$OUT/device.log" 2>&1 &
done
wait
log "exported ${DATA[*]}"
for dir in "${DATA[@]}"; do OPENBLAS_NUM_THREADS=4 "$PY" training/encode_latents.py "$dir" >> "$OUT/device.log" 2>&1 & done
wait
log "encoded"
for dir in "${DATA[@]}"; do rm -f "$dir"/videos*.npy; done  # the latents are all training reads

if [ -n "${WIDEN:-}" ]; then  # e.g. WIDEN=1.25: start from INIT widened (training/widen.py); export with --fp16-weights
  "$PY" training/widen.py --from "$INIT" --factor "$WIDEN" --out "$RUN-init.pt" >> "$OUT/device.log" 2>&1
  INIT="$RUN-init.pt"
  log "widened x$WIDEN"
fi
ELAPSED=$(($(date +%s) - T0))
MINUTES=$("$PY" -c "print(max(1.0, ($TOTAL_MINUTES * 60 - $ELAPSED - 40) / 60))")
log "training for $MINUTES min"
set +e
PYTHONUNBUFFERED=1 "$PY" training/train.py --run "$RUN" --data "${DATA[@]}" --init-from "$INIT" --device "$DEVICE" \
  --minutes "$MINUTES" --batch "$BATCH" --lr "$LR" --warmup "$WARMUP" --decay-frac 0.6 --lr-final 0.05 \
  --scenario-weights "$SCENARIO_WEIGHTS" --ckpt-minutes "${CKPT_MINUTES:-1.5}" --log-every "${LOG_EVERY:-100}" --weights-out "$OUT/weights.pt" \
  > "$OUT/train.log" 2>&1
rc=$?
set -e
cp "$RUN/log.csv" "$RUN/commands.txt" "$OUT/" 2>/dev/null || true
log "train.py exited $rc; $(tail -1 "$OUT/train.log")"
exit $rc
