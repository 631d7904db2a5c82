#!/usr/bin/env bash
# On the GPU machine, after ../shared/gpu/check.sh (packed by benchmarks/gpu-pack.sh): A/B of the OpenCL kernel geometry
# that round 7 set without timing it on a GPU. Each line is one bench with one setting changed from the
# defaults (docs/DESIGN.md, OpenCL kernel ladder); compare with check.sh's rows from the same call.
#   bash benchmarks/gpu-tune.sh      (writes $OUT/tune.log and one JSON per setting)
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
log="$OUT/tune.log"
j=.gpu/java
step() { local t=$1 name=$2; shift 2; echo "== $name: $* (limit ${t}s)" | tee -a "$log"
  timeout "$t" "$@" 2>&1 | grep -v '^bench \[' | tee -a "$log"; echo "== exit ${PIPESTATUS[0]}" | tee -a "$log"; }
# split K of small GEMMs (backward steps' dh_prev): off against the default 16
step 90 train-splitk1 $j -Dfusedrnn.opencl.gemmSplitK=1 io.fusedrnn.cli.Main bench --backends opencl --mode train --shapes latency,batch,large --json "$OUT/train-splitk1.json"
step 90 train-default $j io.fusedrnn.cli.Main bench --backends opencl --mode train --shapes latency,batch,large --json "$OUT/train-default.json"
# the GEMM tile at the large shape: 128/16/8 was faster there in round 7
step 60 infer-tile128 $j -Dfusedrnn.opencl.gemmTile=128,16,8 io.fusedrnn.cli.Main bench --backends opencl --shapes batch,large --json "$OUT/infer-tile128.json"
echo "done" | tee -a "$log"
