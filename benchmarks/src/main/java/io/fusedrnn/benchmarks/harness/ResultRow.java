package io.fusedrnn.benchmarks.harness;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One contender on one case: its timings, or why it has none.
 *
 * @param stats          timed runs (null unless OK)
 * @param gflops         FLOPs of one run / median time (NaN unless OK)
 * @param checkError     relative L2 error of y/h_n against the float64 reference corner (NaN if not checked)
 * @param ratioToPeer    median / the first peer's median in the same case (NaN when no peer timed it)
 * @param ratioToFastest median / the fastest median in the same case (NaN unless OK)
 * @param peerRatios     median / each peer's median in the same case, by peer name, in the order named
 */
public record ResultRow(BenchCase benchCase, String contender, boolean peer, Status status, String reason, Stats stats,
                        double gflops, double checkError, double ratioToPeer, double ratioToFastest,
                        Map<String, Double> peerRatios) {

    /** A row without ratios yet. */
    public ResultRow(BenchCase benchCase, String contender, boolean peer, Status status, String reason, Stats stats,
                     double gflops, double checkError) {
        this(benchCase, contender, peer, status, reason, stats, gflops, checkError, Double.NaN, Double.NaN, Map.of());
    }

    /** What happened to a contender on a case. */
    public enum Status {
        /** Checked and timed. */
        OK,
        /** Gave a wrong answer: not a result. */
        FAILED,
        /** Threw while setting up or running. */
        ERROR,
        /** Cannot run this case (precision, mode), by design. */
        SKIPPED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether it was checked and timed. */
    public boolean ok() {
        return status == Status.OK;
    }

    /**
     * The same row with its ratios set.
     *
     * @param toPeers median / each peer's median, by peer name (the first is {@code ratioToPeer})
     * @return the new row
     */
    public ResultRow withRatios(Map<String, Double> toPeers, double toFastest) {
        double first = toPeers.isEmpty() ? Double.NaN : toPeers.values().iterator().next();
        return new ResultRow(benchCase, contender, peer, status, reason, stats, gflops, checkError, first, toFastest, Collections.unmodifiableMap(new LinkedHashMap<>(toPeers)));
    }
}
