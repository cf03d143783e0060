#!/usr/bin/env bash
# One command for a GPU machine (under 5 minutes): what the GPU backends see and how fast DARTS is there.
#   bash scripts/gpu-check.sh [out-dir]      (default bench/results/gpu-check-<date>)
# 1. checks what Dawn (the webgpu backend) needs on Linux: the Vulkan loader (libvulkan.so.1) and a
#    Vulkan driver (ICD) for the GPU; says exactly what is missing;
# 2. prints `nas-studio doctor --json` (backend chosen, each rejection's reason, the WebGPU adapter);
# 3. runs the webgpu parity tests (every kernel the engine uses, against cpu);
# 4. benchmarks DARTS first and second order, tiny and small, on webgpu, and on tensorflow where
#    tfjs-node-gpu loads; with PyTorch CUDA present (and DARTS_REF pointing at the official sources),
#    times the official code on the same card beside it;
# 5. writes everything as JSON into the out dir.
# Works from the checkout alone: what it needs from ../shared (the reference harness) is copied into
# .gpu-check/ (ignored by git) when ../shared is there.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/results/gpu-check-$(date -u +%Y-%m-%d)}"
mkdir -p "$out" .gpu-check
started=$(date +%s)
say() { printf '\n== %s\n' "$*"; }
missing=()

say "Vulkan (what Dawn needs on Linux)"
if [ "$(uname -s)" = Linux ]; then
  if ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
    echo "Vulkan loader: $(ldconfig -p | grep 'libvulkan\.so\.1' | head -n 1 | sed 's/.*=> //')"
  else
    missing+=("the Vulkan loader libvulkan.so.1 (Debian/Ubuntu: apt-get install libvulkan1)")
  fi
  icds=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null || true)
  echo "Vulkan ICDs: ${icds:-none}"
  if command -v nvidia-smi >/dev/null 2>&1; then
    echo "NVIDIA: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -n 1)"
    if ! printf '%s\n' "$icds" | grep -qi nvidia; then
      missing+=("the NVIDIA Vulkan ICD (nvidia_icd.json in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d; it comes with the NVIDIA driver's Vulkan/GL libraries, e.g. Ubuntu libnvidia-gl-<driver version>; in a container, NVIDIA_DRIVER_CAPABILITIES must include graphics)")
    fi
    if ! ldconfig -p 2>/dev/null | grep -q 'libGLX_nvidia\.so\.0'; then
      missing+=("libGLX_nvidia.so.0, the library the NVIDIA ICD points at (same package as the ICD)")
    fi
  else
    echo "nvidia-smi not found: no NVIDIA driver (another vendor's Vulkan ICD may still serve webgpu)"
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "MISSING for webgpu on the GPU:"
  printf '  - %s\n' "${missing[@]}"
fi
printf '%s\n' "${missing[@]}" | node -e 'const l=require("fs").readFileSync(0,"utf8").split("\n").filter(Boolean);require("fs").writeFileSync(process.argv[1],JSON.stringify({missing:l},null,2))' "$out/vulkan.json"

if [ ! -d node_modules/@tensorflow/tfjs-core ]; then
  say "installing dependencies (npm ci)"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund >/dev/null || echo "npm ci failed"
fi
if [ -d ../shared/reference-bench ]; then
  rm -rf .gpu-check/reference-bench && cp -r ../shared/reference-bench .gpu-check/reference-bench
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"

say "doctor --json"
node bin/nas-studio.mjs doctor --json 2>/dev/null | tee "$out/doctor.json"
NAS_STUDIO_BACKEND=webgpu node bin/nas-studio.mjs doctor --json 2>/dev/null >"$out/doctor-webgpu.json"

say "webgpu parity tests"
npx vitest run src/engine/backend/webgpu-parity.test.ts --reporter=dot 2>&1 | grep -v 'artificially reduced' | tail -n 15 | tee "$out/parity.txt"

bench() { # backend config order
  timeout 90 node scripts/run-ts.mjs bench/darts-step.ts --backend "$1" --configs "$2" --orders "$3" \
    --steps 3 --warmup 1 --no-watch --out "$out/$1-$2-$3.json" 2>"$out/$1-$2-$3.log" | grep -E "^\| $1 " ||
    echo "| $1 | $2 | $3 | failed or timed out: see $out/$1-$2-$3.log |"
}
say "DARTS steps on webgpu (and tensorflow where tfjs-node-gpu loads)"
backends=webgpu
grep -q '"chosen": "tensorflow"' "$out/doctor.json" && backends="tensorflow webgpu"
for b in $backends; do for c in tiny small; do for o in first second; do bench "$b" "$c" "$o"; done; done; done

if [ -n "${DARTS_REF:-}" ] && [ -f .gpu-check/reference-bench/bench_cnn.py ] &&
  python3 -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  say "official DARTS (PyTorch CUDA) on the same card"
  for c in tiny small; do for o in first second; do
    timeout 120 python3 .gpu-check/reference-bench/bench_cnn.py --device cuda --config "$c" --order "$o" \
      --warmup 1 --steps 3 --out "$out/pytorch-cuda-$c-$o.json" | tail -n 1
  done; done
else
  echo "(PyTorch CUDA beside it: needs python3 with torch.cuda, DARTS_REF=<checkout of the official DARTS sources> and ../shared/reference-bench)"
fi
echo "done in $(($(date +%s) - started)) s; results in $out"
