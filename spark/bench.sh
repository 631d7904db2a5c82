#!/usr/bin/env bash
# The Spark measurement of issue 13 (benchmarks/RESULTS.md, "Spark, round 4"), one command:
#   MAVEN_OPTS=-Dmaven.repo.local=REPO spark/bench.sh [DIR] [ROUNDS] [PARTS]  (defaults /tmp/fusedrnn-spark-bench, 2, all;
#   PARTS: all, inprocess, writes or e2e)
# 1. prepares (once) DIR/big: 20000 rows, T uniform in 8..40, and DIR/small: 2500 rows, same T and
#    model (LSTM I=64 H=256, seeded), each as Parquet and as padded .npy plus lengths for `infer`,
#    and DIR/huge: big's rows 5 times over (100000 rows; SparkScaling replicate);
# 2. in process on huge, session start excluded: transform + write Parquet as spark-infer does, at local[1]
#    and local[2], one untimed warm-up run, then ROUNDS+1 rounds in alternating order (SparkScaling
#    time): wall, rows/s and process CPU per run, medians and their ratio;
# 3. the writers, in process at local[1] (SparkScaling writes, ROUNDS rounds, rotated): transform only
#    (noop), Spark's Parquet writer and spark-infer's (ColumnParquetFormat) with parquet-mr's per-value
#    float writer (round 4) and with its bulk float pages (round 5, the default), all uncompressed and
#    without dictionary; the difference to noop is the write;
# 4. end to end, interleaved per round: ./fusedrnn spark-infer at local[1] and local[2] (with its AOT
#    cache; and local[2] writing floats with parquet-mr's per-value writer, as round 4 did:
#    -Dfusedrnn.parquet.bulkFloats=false) and ./fusedrnn infer (as shipped, and with its opt-in
#    AOT cache: FUSEDRNN_AOT=1) on the same rows from .npy (big), then spark-infer local[2] and infer on
#    huge, spark-infer local[2] and both infers on the small set (for the fixed cost: time = fixed +
#    rows x per-row); /usr/bin/time's wall and
#    user+sys CPU per run, medians last.
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
# the heap spark-infer's launcher gives (768 MB + 256 MB per core; "Spark, round 10"), so in-process runs match it
scaling() { "$JAVA" @"$root/spark/jvm.options" -Xmx${heap:-$((768 + 256 * $(nproc)))m} -cp "$cp" io.fusedrnn.spark.bench.SparkScaling "$@" 2>/dev/null; }
# prepare builds its rows in the driver before Spark writes them: 20000 rows ran out of the 1280 MB heap
# (round 22, an OutOfMemoryError and no x.parquet); 6 GB made them
prepare() { heap=6g scaling prepare "$@"; }

[ -f "$dir/big/rows" ] || prepare "$dir/big" 20000 8 40 | tee -a "$log"
[ -f "$dir/small/rows" ] || prepare "$dir/small" 2500 8 40 | tee -a "$log"
[ -f "$dir/huge/rows" ] || scaling replicate "$dir/big" "$dir/huge" 5 | tee -a "$log"

say "== $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores: $(lscpu | sed -n 's/^Model name: *//p')"
if [ "$parts" = all ] || [ "$parts" = inprocess ]; then
  say "== in process (session start excluded): transform + write Parquet as spark-infer does, warm-up + $((rounds + 1)) rounds"
  scaling time "$dir/huge" "$((rounds + 1))" 'local[1],local[2]' | tee -a "$log"
fi
if [ "$parts" = all ] || [ "$parts" = writes ]; then
  say "== the writers, in process at local[1] (transform + write; noop = transform only), $rounds rounds"
  c=io.fusedrnn.spark.ColumnParquetFormat nd=parquet.enable.dictionary=false
  scaling writes "$dir/big" "$rounds" 'local[1]' noop=noop spark-none=parquet,$nd,compression=none \
    ours-per-value=$c,$nd,compression=none,fusedrnn.parquet.bulkFloats=false ours-bulk=$c,$nd,compression=none | tee -a "$log"
fi
[ "$parts" = inprocess ] || [ "$parts" = writes ] && exit 0

run() { # name set command...: one end-to-end run, timed
  local name="$1" set="$2"; shift 2
  rm -rf "$dir/out.parquet" "$dir"/y.npy "$dir"/hn.npy "$dir"/cn.npy
  /usr/bin/time -o "$dir/time" -f '%e %U %S' "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
  # shellcheck disable=SC2046
  set -- $(tail -n1 "$dir/time")
  say "$(printf 'e2e %-8s %-29s %7.2f s wall %7.2f s CPU' "$set" "$name" "$1" "$(echo "$2 + $3" | bc)")"
}
say "== end to end (JVM and Spark start included), $rounds rounds, load: $(cut -d' ' -f1-3 /proc/loadavg)"
# infer's opt-in AOT cache is recorded by its first run after a build: do that one untimed
FUSEDRNN_AOT=1 "$root/fusedrnn" infer --weights "$dir/small/lstm.safetensors" --input "$dir/small/x.npy" --lengths "$dir/small/lengths.npy" \
  --output "$dir/y.npy" --backend vector >/dev/null 2>&1 || true
for ((r = 0; r < rounds; r++)); do
  for set in big huge small; do
    d="$dir/$set"
    spark=("$root/fusedrnn" spark-infer --weights "$d/lstm.safetensors" --input "$d/x.parquet" --output "$dir/out.parquet" --backend vector)
    infer=("$root/fusedrnn" infer --weights "$d/lstm.safetensors" --input "$d/x.npy" --lengths "$d/lengths.npy"
      --output "$dir/y.npy" --hn "$dir/hn.npy" --cn "$dir/cn.npy" --backend vector)
    cmds=("spark-infer local[2]" "spark-infer local[2] per-value" "spark-infer local[1]" "infer" "infer AOT")
    ((r % 2 == 1)) && cmds=("infer AOT" "infer" "spark-infer local[1]" "spark-infer local[2] per-value" "spark-infer local[2]")
    for c in "${cmds[@]}"; do
      case "$c" in
        "spark-infer local[2]") run "$c" "$set" "${spark[@]}" --master 'local[2]' ;;
        "spark-infer local[2] per-value") [ "$set" = big ] && run "$c" "$set" env FUSEDRNN_JAVA_OPTS=-Dfusedrnn.parquet.bulkFloats=false "${spark[@]}" --master 'local[2]' ;;
        "spark-infer local[1]") [ "$set" = big ] && run "$c" "$set" "${spark[@]}" --master 'local[1]' ;;
        "infer") run "$c" "$set" "${infer[@]}" ;;
        "infer AOT") [ "$set" != huge ] && run "$c" "$set" env FUSEDRNN_AOT=1 "${infer[@]}" ;;
      esac
    done
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
