#!/usr/bin/env bash
# The Spark measurement of issue 13 (benchmarks/RESULTS.md, "Spark, round 3"), one command:
#   MAVEN_OPTS=-Dmaven.repo.local=REPO spark/bench.sh [DIR] [ROUNDS] [PARTS]  (defaults /tmp/fusedrnn-spark-bench, 2, all;
#   PARTS: all, inprocess or e2e)
# 1. prepares (once) DIR/big: 20000 rows, T uniform in 8..40, and DIR/small: 2500 rows, same T and
#    model (LSTM I=64 H=256, seeded), each as Parquet and as padded .npy plus lengths for `infer`;
# 2. in process, session start excluded: transform + write Parquet at local[1] and local[2],
#    interleaved (SparkScaling time), wall, rows/s and process CPU per run;
# 3. end to end, interleaved per round: ./fusedrnn spark-infer at local[1] and local[2] and
#    ./fusedrnn infer on the same rows from .npy (big), then both on the small set (for the fixed
#    cost: time = fixed + rows x per-row); /usr/bin/time's wall and user+sys CPU per run, medians last.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/tmp/fusedrnn-spark-bench}"
rounds="${2:-2}"
parts="${3:-all}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"   # JDK 25, for mvn as well
JAVA="$JAVA_HOME/bin/java"
mkdir -p "$dir"
log="$dir/bench-$(date -u +%Y%m%dT%H%M%S).log"
touch "$log"
say() { echo "$@" | tee -a "$log"; }

# build: the library and spark/target (as the launcher does), then spark's test classes (SparkScaling)
"$root/fusedrnn" spark-infer --help >/dev/null
"$root/fusedrnn" version >/dev/null
mvn -B -ntp -q -f "$root/spark/pom.xml" -DskipTests -Dmaven.javadoc.skip=true test-compile >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; exit 1; }
cp="$root/spark/target/classes:$root/spark/target/test-classes:$root/spark/target/lib/*"
scaling() { "$JAVA" @"$root/spark/jvm.options" -cp "$cp" io.fusedrnn.spark.bench.SparkScaling "$@" 2>/dev/null; }

[ -f "$dir/big/rows" ] || scaling prepare "$dir/big" 20000 8 40 | tee -a "$log"
[ -f "$dir/small/rows" ] || scaling prepare "$dir/small" 2500 8 40 | tee -a "$log"

say "== $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores: $(lscpu | sed -n 's/^Model name: *//p')"
if [ "$parts" != e2e ]; then
  say "== in process (session start excluded): transform + write Parquet, $rounds rounds"
  scaling time "$dir/big" "$rounds" 'local[1],local[2]' | tee -a "$log"
fi
[ "$parts" = inprocess ] && exit 0

run() { # name set command...: one end-to-end run, timed
  local name="$1" set="$2"; shift 2
  rm -rf "$dir/out.parquet" "$dir"/y.npy "$dir"/hn.npy "$dir"/cn.npy
  /usr/bin/time -o "$dir/time" -f '%e %U %S' "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
  # shellcheck disable=SC2046
  set -- $(tail -n1 "$dir/time")
  say "$(printf 'e2e %-8s %-22s %7.2f s wall %7.2f s CPU' "$set" "$name" "$1" "$(echo "$2 + $3" | bc)")"
}
say "== end to end (JVM and Spark start included), $rounds rounds, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 0; r < rounds; r++)); do
  for set in big small; do
    d="$dir/$set"
    spark=("$root/fusedrnn" spark-infer --weights "$d/lstm.safetensors" --input "$d/x.parquet" --output "$dir/out.parquet" --backend vector)
    infer=("$root/fusedrnn" infer --weights "$d/lstm.safetensors" --input "$d/x.npy" --lengths "$d/lengths.npy"
      --output "$dir/y.npy" --hn "$dir/hn.npy" --cn "$dir/cn.npy" --backend vector)
    if ((r % 2 == 0)); then
      run "spark-infer local[2]" "$set" "${spark[@]}" --master 'local[2]'
      [ "$set" = big ] && run "spark-infer local[1]" "$set" "${spark[@]}" --master 'local[1]'
      run "infer" "$set" "${infer[@]}"
    else
      run "infer" "$set" "${infer[@]}"
      [ "$set" = big ] && run "spark-infer local[1]" "$set" "${spark[@]}" --master 'local[1]'
      run "spark-infer local[2]" "$set" "${spark[@]}" --master 'local[2]'
    fi
  done
done
rm -rf "$dir/out.parquet" "$dir"/y.npy "$dir"/hn.npy "$dir"/cn.npy
say "== per command: runs sorted (wall s / CPU s), medians; load now: $(cut -d' ' -f1-3 /proc/loadavg)"
grep '^e2e' "$log" | /usr/bin/python3 -c '
import sys, statistics, collections
runs = collections.defaultdict(list)
for line in sys.stdin:
    f = line.split()
    key = " ".join(f[1:f.index("s") - 1])
    runs[key].append((float(f[f.index("s") - 1]), float(f[-3])))
for k, v in sorted(runs.items()):
    w = sorted(x for x, _ in v); c = sorted(y for _, y in v)
    print(f"{k:30s} wall {w} median {statistics.median(w):.2f}  CPU {c} median {statistics.median(c):.2f}")
' | tee -a "$log"
