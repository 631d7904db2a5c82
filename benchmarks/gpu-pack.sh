#!/usr/bin/env bash
# Packs this checkout for the lent GPU machine (../shared/gpu/README.md) so that one device call can run
# ../shared/gpu/check.sh, benchmarks/gpu-tests.sh and benchmarks/gpu-tune.sh: builds the library, its
# tests and the benchmark classes, runs ../shared/gpu/pack.sh, then cuts .gpu/lib to what those need
# (the shaded fusedrnn.jar, the benchmark classes, JMH and its two dependencies) and adds the test
# classes with JUnit's console launcher in .gpu/test. pack.sh copies every */target jar and spark/'s
# runtime libraries too (about 280 MB), over the 64 MiB a device call carries; cut, .gpu is about 59 MB.
#   bash benchmarks/gpu-pack.sh     then the device tool: run, carry [".gpu"], command
#   "bash .gpu/tools/check.sh; bash benchmarks/gpu-tests.sh; bash benchmarks/gpu-tune.sh; cd $OUT && tar czf all.tgz *.json *.log && rm -f *.json"
#   (a call brings back at most 8 files from $OUT: tune.sh alone writes 10, so they travel as one archive)
set -euo pipefail
cd "$(dirname "$0")/.."
jdk=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export JAVA_HOME=$jdk PATH="$jdk/bin:$PATH"
mvn -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true install
mvn -q -DskipTests test-compile
mvn -q -f benchmarks/pom.xml -DskipTests compile
cp="$(mktemp)"
mvn -q -f benchmarks/pom.xml dependency:build-classpath -Dmdep.outputFile="$cp" >/dev/null
bash ../shared/gpu/pack.sh
rm -rf .gpu/tools && cp -r ../shared/gpu .gpu/tools
# the serving benchmark (ServeBenchmark, and serve's HTTP server) needs jdk.management and jdk.httpserver,
# which pack.sh's runtime leaves out: the same jlink with them added
rm -rf .gpu/jrt
"$jdk/bin/jlink" --add-modules java.base,jdk.incubator.vector,java.logging,java.management,jdk.unsupported,jdk.management,jdk.httpserver \
  --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output .gpu/jrt 2>&1 | grep -v 'incubator' || true
find .gpu/lib -type f ! -name fusedrnn.jar -delete
"$jdk/bin/jar" cf .gpu/lib/fusedrnn-benchmarks.jar -C benchmarks/target/classes .
tr ':' '\n' < "$cp" | grep -E '/(jmh-core|commons-math3|jopt-simple)-[^/]*\.jar$' | xargs -I{} cp {} .gpu/lib/
rm -f "$cp"
mkdir -p .gpu/test
cp -r target/test-classes .gpu/test/classes   # a directory: the console launcher's package scan finds no tests in a jar here
mvn -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 -DoutputDirectory=.gpu/test >/dev/null
ls .gpu/lib .gpu/test
du -sh .gpu | awk '{print "gpu-pack: .gpu is " $1}'
