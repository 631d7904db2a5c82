#!/usr/bin/env bash
# On the GPU machine (packed by benchmarks/gpu-pack.sh, after .gpu/setup.sh): the OpenCL test suite
# (native-tests/, package io.fusedrnn.opencl: the backend contract on the default device, the GPU, its
# tiled rung and kernel geometry, errors, resources, -Xcheck:jni) with OpenCL required. About 70 s on
# PoCL with 2 cores. Writes $OUT/gpu-tests.log (the packed runtime has no java.xml for XML reports).
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
here=$(cd "$(dirname "$0")/.." && pwd)
export FUSEDRNN_REQUIRE_OPENCL=1 FUSEDRNN_TEST=1
timeout "${GPU_TESTS_LIMIT:-300}" "$here/.gpu/jrt/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m \
  -jar "$here"/.gpu/test/junit-platform-console-standalone-*.jar execute \
  --class-path "$here/.gpu/test/classes:$here/.gpu/lib/fusedrnn.jar" --select-package io.fusedrnn.opencl \
  --disable-banner --disable-ansi-colors --details=tree 2>&1 | tee "$OUT/gpu-tests.log" | tail -40
exit "${PIPESTATUS[0]}"
