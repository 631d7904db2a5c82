#!/usr/bin/env bash
# Diagnoses the SIGSEGV seen when the vector backend and NVIDIA's OpenCL share a JVM.
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
log="$OUT/diag.log"
j=.gpu/java
E="-XX:ErrorFile=$OUT/hs_err_%p.log"
JSIG=$PWD/.gpu/jrt/lib/libjsig.so
step() { local t=$1; shift; echo "== $* (limit ${t}s)" | tee -a "$log"; timeout "$t" "$@" 2>&1 | tee -a "$log"; echo "== exit ${PIPESTATUS[0]}" | tee -a "$log"; }
step 60 bash .gpu/setup.sh
lscpu | grep -E "Model name|^CPU\(s\)" | tee -a "$log"
step 60 env OCL_ICD_VENDORS=/nonexistent $j $E io.fusedrnn.cli.Main demo
step 45 $j -Xcheck:jni $E io.fusedrnn.cli.Main demo
step 60 env LD_PRELOAD=$JSIG $j $E io.fusedrnn.cli.Main demo
step 150 env LD_PRELOAD=$JSIG $j $E io.fusedrnn.cli.Main bench --backends opencl,vector --shapes latency,batch,large --json "$OUT/bench-infer.json"
echo "done; files in \$OUT: $(ls "$OUT" | tr '\n' ' ')" | tee -a "$log"
