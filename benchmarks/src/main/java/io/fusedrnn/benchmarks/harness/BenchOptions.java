package io.fusedrnn.benchmarks.harness;

import io.fusedrnn.Precision;

import java.nio.file.Path;
import java.util.List;

/**
 * The settings of one benchmark run (what {@code fusedrnn bench}'s options say). {@code backends} is
 * empty when none were named: then every backend that opens is run, except the scalar reference on
 * the large shape.
 *
 * @param runs       timed runs per contender and case; unless --runs named it ({@code runsNamed} false),
 *                   fast cases run more rounds, until a contender has spent {@link #FILL_SECONDS} timing
 *                   or {@link #MAX_RUNS} rounds ran, so a 3 ms case gets a median of hundreds of runs
 * @param maxSeconds a contender stops its timed runs in a case once they took this long (after at least
 *                   {@link #MIN_RUNS} runs); 0 for no limit
 * @param ceilings   whether to measure the machine's FMA peak and GEMM rate before the cases
 * @param settleMillis untimed pause before a timed run that follows another contender's (0, the default:
 *                   back to back): every contender then starts as after idle, its threads asleep and no
 *                   other's still spinning, as for requests that arrive now and then. On the paravirtualised
 *                   Zen 5 host a 2 ms pause made every contender slower, the vector backend's `latency` most
 *                   (0.83–1.02 → 1.66–1.93 ms; an idle vCPU wakes late): benchmarks/RESULTS.md, "Round 19"
 */
public record BenchOptions(List<BenchCell> cells, List<BenchShape> shapes, List<String> backends, List<String> peers,
                           Precision precision, Mode mode, Path json, Path report, int warmup, int runs,
                           boolean runsNamed, double maxSeconds, boolean ceilings, double settleMillis) {

    /** Backends tried when none are named, fastest first. */
    public static final List<String> DEFAULT_BACKENDS = List.of("vector", "opencl", "reference");
    /** Peers that exist. */
    public static final List<String> KNOWN_PEERS = List.of("onnxruntime", "onednn");
    /** Fewest timed runs a case makes, even past --max-seconds. */
    public static final int MIN_RUNS = 3;
    /** Timed seconds a contender fills in a fast case when --runs is not named. */
    public static final double FILL_SECONDS = 1.0;
    /** Most timed runs per contender and case when --runs is not named. */
    public static final int MAX_RUNS = 500;
    /** --settle-ms unless named: back to back. */
    public static final double SETTLE_MILLIS = 0;

    /** Whether backends were named on the command line. */
    public boolean backendsNamed() {
        return !backends.isEmpty();
    }
}
