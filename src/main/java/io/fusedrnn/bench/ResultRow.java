package io.fusedrnn.bench;

import java.util.Locale;

/**
 * One contender on one case: its timings, or why it has none.
 *
 * @param stats          timed runs (null unless OK)
 * @param gflops         FLOPs of one run / median time (NaN unless OK)
 * @param checkError     relative L2 error of y/h_n against the float64 reference corner (NaN if not checked)
 * @param ratioToPeer    median / the peer's median in the same case (NaN when no peer timed it)
 * @param ratioToFastest median / the fastest median in the same case (NaN unless OK)
 */
public record ResultRow(BenchCase benchCase, String contender, boolean peer, Status status, String reason, Stats stats,
                        double gflops, double checkError, double ratioToPeer, double ratioToFastest) {

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

    public boolean ok() {
        return status == Status.OK;
    }

    /** The same row with its ratios set. */
    public ResultRow withRatios(double toPeer, double toFastest) {
        return new ResultRow(benchCase, contender, peer, status, reason, stats, gflops, checkError, toPeer, toFastest);
    }
}
