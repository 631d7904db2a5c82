#!/usr/bin/env bash
# On the GPU machine (packed by benchmarks/gpu-pack.sh; runs .gpu/setup.sh itself): A/B of the OpenCL
# kernel geometry, each line one setting changed from the defaults (docs/DESIGN.md, OpenCL kernel ladder).
#   1. ClGemmProbe: the tiled GEMM alone on the products of the batch and large LSTM sweeps, per layout/tile
#   2. bench, inference and training, batch and large, per setting (the GEMM layout and tile, step rows)
#   bash benchmarks/gpu-tune.sh      (writes $OUT/tune.log and one JSON per setting)
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
log="$OUT/tune.log"
j=.gpu/java
step() { local t=$1 name=$2; shift 2; echo "== $name: $* (limit ${t}s) $(date +%T)" | tee -a "$log"
  timeout "$t" "$@" 2>&1 | grep -v '^bench \[' | tee -a "$log"; echo "== exit ${PIPESTATUS[0]}" | tee -a "$log"; }
bench() { local t=$1 name=$2 mode=$3; shift 3
  step "$t" "$name" $j "$@" io.fusedrnn.cli.Main bench --backends opencl --mode "$mode" --shapes batch,large --no-ceilings --json "$OUT/$name.json"; }
[ -f /etc/OpenCL/vendors/nvidia.icd ] || step 60 setup bash .gpu/setup.sh
step 120 gemm-probe $j io.fusedrnn.opencl.ClGemmProbe "" strided/64,16,8 chunked/64,16,8 chunked/128,16,8 chunked/128,8,8 strided/128,16,8
C=-Dfusedrnn.opencl.gemmLayout=chunked
bench 60 infer-default infer
bench 60 infer-chunked64 infer $C
bench 60 infer-chunked128 infer $C -Dfusedrnn.opencl.gemmTile=128,16,8
bench 60 infer-rows8 infer -Dfusedrnn.opencl.stepRows=8
bench 60 infer-rows16 infer -Dfusedrnn.opencl.stepRows=16
bench 60 infer-chunked128-rows8 infer $C -Dfusedrnn.opencl.gemmTile=128,16,8 -Dfusedrnn.opencl.stepRows=8
bench 90 train-default train
bench 90 train-chunked64 train $C
bench 90 train-chunked128-rows8 train $C -Dfusedrnn.opencl.gemmTile=128,16,8 -Dfusedrnn.opencl.stepRows=8
echo "done $(date +%T)" | tee -a "$log"
