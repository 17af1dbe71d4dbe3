#!/usr/bin/env bash
# Runs the training/ test suite with Debian's python (it has torch, onnx, numpy, pytest).
set -euo pipefail
cd "$(dirname "$0")/../training"
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider tests "$@"
