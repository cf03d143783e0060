#!/usr/bin/env bash
# Times the official PyTorch DARTS step (../shared/reference-bench) and ours on this machine, one after
# the other, one config and order per process, so that the ratio is measured, not assumed: machines
# of this kind differ by up to 3x from day to day (docs/performance.md). Needs Debian's python3-torch
# and the reference sources (DARTS_REF, repository quark0/darts); writes bench/results/side-by-side-<date>[-$TAG]/.
#   DARTS_REF=/path/to/darts bash bench/side-by-side.sh [configs: tiny,small] [orders: first,second] [steps: 3]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DARTS_REF:?set DARTS_REF to a checkout of quark0/darts}"
harness="${REFERENCE_BENCH:-../shared/reference-bench}"
configs="${1:-tiny,small}"; orders="${2:-first,second}"; steps="${3:-3}"
out="bench/results/side-by-side-$(date -u +%Y-%m-%d)${TAG:+-$TAG}"
mkdir -p "$out/reference"
for c in ${configs//,/ }; do
  for o in ${orders//,/ }; do
    echo "== PyTorch reference: $c $o"
    DARTS_REF="$DARTS_REF" OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$harness/bench_cnn.py" --config "$c" --order "$o" \
      --threads 2 --warmup 1 --steps "$steps" --out "$out/reference/$c-$o.json" | tail -n 1
    echo "== ours (wasm): $c $o"
    node scripts/run-ts.mjs bench/darts-step.ts --backend wasm --configs "$c" --orders "$o" --steps "$steps" --warmup 1 \
      --reference "$out/reference" --out "$out/wasm-$c-$o.json" | grep -E '^\| (wasm|backend)'
  done
done
