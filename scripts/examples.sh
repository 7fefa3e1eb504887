#!/bin/sh
# Regenerates the example in docs/results/README.md (whose frame strip the README shows): one prompt and seed
# without refinement and with the default P&P (GIFs, the uncertainty mask, a strip of the 16 frames of both), then
# how often P&P changes validity over the first 36 seeds (prompts cycling; `eval --against` prints the paired counts).
# Needs ffmpeg for the frame strip. About two minutes.
#   sh scripts/examples.sh [SEED] [SCENARIO]        (defaults: 10, drop-bounce; `generate --prompt` takes the name)
set -eu
seed=${1:-10}
scenario=${2:-drop-bounce}
npm run -s build
cli="node dist/src/cli/main.js"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$cli generate --prompt "$scenario" --seed "$seed" --refine none --out "$tmp/none.gif"
$cli generate --prompt "$scenario" --seed "$seed" --mask-video --out "$tmp/pnp.gif"
for m in none pnp; do
  ffmpeg -loglevel error -i "$tmp/$m.frames/frame-%02d.png" -vf "scale=64:64:flags=neighbor,tile=16x1" -frames:v 1 "$tmp/$m-row.png"
done
ffmpeg -loglevel error -i "$tmp/none-row.png" -i "$tmp/pnp-row.png" -filter_complex vstack "$tmp/frames.png"
mkdir -p docs/examples
stem=docs/examples/$scenario-seed$seed
cp "$tmp/none.gif" "$stem-none.gif"
cp "$tmp/pnp.gif" "$stem-pnp.gif"
cp "$tmp/pnp.mask.png" "$stem-mask.png"
cp "$tmp/frames.png" "$stem-frames.png"
echo "wrote $stem-{none,pnp}.gif, $stem-mask.png, $stem-frames.png"
$cli generate --count 36 --seed 1 --refine none --out "$tmp/count-none" >/dev/null
$cli generate --count 36 --seed 1 --out "$tmp/count-pnp" >/dev/null
$cli eval "$tmp/count-pnp" --against "$tmp/count-none"
