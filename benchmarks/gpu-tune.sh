#!/usr/bin/env bash
# On the GPU machine (packed by benchmarks/gpu-pack.sh; runs .gpu/setup.sh itself): A/B of the OpenCL
# kernel geometry, each line one setting changed from the defaults (docs/DESIGN.md, OpenCL kernel ladder).
#   1. ClGemmProbe: the tiled GEMM alone on the products of the batch and large LSTM sweeps, per layout/tile
#   2. bench, inference and training, batch and large: the defaults and round 7's geometry
#   3. ServeBenchmark short on opencl and on vector (1 and 64 clients, in-process and HTTP)
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
step 120 gemm-probe $j io.fusedrnn.opencl.ClGemmProbe "" strided/64,16,8 chunked/128,16,8 chunked/128,16,8/prefetch chunked/128,32,8/prefetch chunked/64,16,8/prefetch
# round 9 set the defaults (chunked 128/16/8, step rows by grid); the round-7 geometry beside them
bench 60 infer-default infer
bench 60 infer-round7 infer -Dfusedrnn.opencl.gemmLayout=strided -Dfusedrnn.opencl.gemmTile=64,16,8 -Dfusedrnn.opencl.stepRows=4
bench 90 train-default train
# the next K tile prefetched to registers (gemm.cl PREFETCH, written in round 9 after the device calls)
bench 60 infer-prefetch infer -Dfusedrnn.opencl.gemmPrefetch=true
bench 90 train-prefetch train -Dfusedrnn.opencl.gemmPrefetch=true
# serving (issue 14): "on a GPU, where a batched sweep costs little more than one row, far more";
# the vector backend on the machine's 16 cores beside it
step 150 serve-opencl $j io.fusedrnn.benchmarks.serve.ServeBenchmark short backend=opencl
step 150 serve-vector $j io.fusedrnn.benchmarks.serve.ServeBenchmark short backend=vector
echo "done $(date +%T)" | tee -a "$log"
