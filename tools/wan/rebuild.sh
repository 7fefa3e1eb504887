#!/usr/bin/env bash
# Rebuild test/fixtures/wan-tiny: the tiny model folders (checked against PyTorch through onnxruntime-node), then the
# reference cases. Run from anywhere; needs Debian's python3-torch and python3-onnx, and `npm ci` done.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=test/fixtures/wan-tiny
/usr/bin/python3 tools/wan/export.py --tiny --seed 1 --out "$out"
/usr/bin/python3 tools/wan/reference.py --make-cases "$out"
du -sh "$out"
