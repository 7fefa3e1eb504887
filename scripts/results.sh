#!/bin/sh
# Regenerates the results in docs/results/ (and the README's table): the full paper suite, the headline comparison on
# more samples (reusing the paper run's cached jobs, which are keyed by configuration, task and sample index), the
# tuning sweep behind the generate defaults, and the README's comparison on samples 1000–1095 of each task (seeds that
# no run used to choose a setting); it copies the tables and a mask picture into docs/results/ and draws the plots.
# About 55 minutes on 2 cores with native bf16, about 80 on an AVX2-only EPYC; interrupted runs resume from the cache.
set -eu
npm run -s build
node dist/src/cli/main.js bench --suite paper --out bench-results/paper
mkdir -p bench-results/headline/cache
cp -R -n bench-results/paper/cache/. bench-results/headline/cache/
node dist/src/cli/main.js bench --suite quick --samples 96 --reference 1024 --resamples 1000 --out bench-results/headline
mkdir -p docs/results
cp bench-results/paper/results.md docs/results/paper.md
cp bench-results/headline/results.md docs/results/headline.md
node scripts/plots.mjs bench-results/paper/results.json docs/results
cp bench-results/paper/masks/t2v-pnp.png docs/results/mask-t2v-pnp.png
node dist/src/cli/main.js bench --suite tune --samples 24 --out bench-results/tune
cp bench-results/tune/results.md docs/results/tune.md
node dist/src/cli/main.js bench --suite quick --samples 96 --first-sample 1000 --methods default,pnp,nfe2,bo4-frame \
  --reference 1024 --resamples 1000 --out bench-results/fresh
cp bench-results/fresh/results.md docs/results/fresh.md
echo "docs/results/ updated; copy the headline table into README.md"
