#!/bin/sh
# Benchmark input: writes SIZE (default 1G) of realistic EVTX with evtxgen's fixed
# mix (tests/tools/README.md) into DIR, and prints evtxgen's own timing.
# Usage: tests/bench/evtxgen-scale.sh [SIZE] [DIR] [SEED]   (from the build directory)
# Then time the reader on DIR, e.g.: time ./src/boxtrail events --stats DIR > /dev/null
# The same SIZE and SEED always give the same files, so figures compare across runs.
set -eu
size=${1:-1G}
dir=${2:-bench-evtx}
seed=${3:-1}
evtxgen=${EVTXGEN:-./tests/tools/evtxgen}
[ -x "$evtxgen" ] || { echo "build it first: make tests/tools/evtxgen" >&2; exit 2; }
rm -rf "$dir"
"$evtxgen" scale --size "$size" --seed "$seed" --out "$dir"
cat "$dir/MANIFEST.tsv"
