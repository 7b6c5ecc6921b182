#!/usr/bin/env bash
# The device check for a GPU host (CUDA and nvcc, no JDK needed): builds native/gpu/check.cu with
# the CUDA kernel and the CPU kernel, runs it, and prints equality with the CPU path, the kernel's
# throughput beside the device's copy bandwidth, and end-to-end images per second. Under 5 minutes.
#   native/gpu/check.sh [OUT_DIR]      (default: a temporary directory)
# Exit: 0 passed, 1 a result differs or the build failed, 2 no usable CUDA device.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out"
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [[ ! -x $nvcc ]]; then
  echo "check.sh: no nvcc (set NVCC or put it on PATH)" >&2
  exit 1
fi
echo "check.sh: $("$nvcc" --version | tail -1)"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
# --fmad=false: no fused multiply-add, so the GPU rounds as the CPU and Java paths do
"$nvcc" -O3 -std=c++17 --fmad=false -Xcompiler -ffp-contract=off -o "$out/vigil-gpu-check" "$here/check.cu"
set +e
"$out/vigil-gpu-check"
status=$?
set -e
exit $status
