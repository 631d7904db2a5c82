#!/usr/bin/env bash
# After check.sh: the OpenCL step kernels' K split and the GEMM tile, opencl alone, inference, standard shapes.
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
log="$OUT/tune.log"
j=.gpu/java
step() { local t=$1; shift; echo "== $* (limit ${t}s)" | tee -a "$log"; timeout "$t" "$@" 2>&1 | grep -v '^bench \[' | tee -a "$log"; echo "== exit ${PIPESTATUS[0]}" | tee -a "$log"; }
for s in 1 4; do
  step 60 $j -Dfusedrnn.opencl.stepSplit=$s io.fusedrnn.cli.Main bench --backends opencl --shapes latency,batch,large --json "$OUT/split$s.json"
done
for t in 64,16,4 64,16,8 128,16,8; do
  step 60 $j -Dfusedrnn.opencl.gemmTile=$t io.fusedrnn.cli.Main bench --backends opencl --shapes batch,large --json "$OUT/tile$t.json"
done
echo "done" | tee -a "$log"
