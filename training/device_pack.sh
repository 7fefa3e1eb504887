#!/bin/bash
# Pack what training/device_train.sh needs on a GPU machine that has no Node and no npm install, into .device/
# (ignored by git; copy it to that machine with the working tree and dist, and nothing else):
#   .device/node.xz                this machine's Node binary, xz-compressed (the official build links only libc/libstdc++)
#   .device/node_modules/zod       zod's ES-module files: all that dist/src/world needs
# Run after `npm ci` (which builds dist/). Working tree + .device + dist stay under 64 MiB, to copy quickly.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .device/node_modules && mkdir -p .device/node_modules
[ -f .device/node.xz ] || { xz -T0 -6 -c "$(command -v node)" > .device/node.xz.tmp && mv .device/node.xz.tmp .device/node.xz; }
(cd node_modules && find zod \( -name '*.js' -not -path 'zod/src/*' \) -o -name package.json -o -name LICENSE | xargs cp --parents -t ../.device/node_modules)
du -sh .device dist
