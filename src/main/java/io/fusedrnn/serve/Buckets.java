package io.fusedrnn.serve;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a batch sorted by length into sweeps. A sweep of rows r..s costs about
 * {@code maxLen · (rows + sweepCost)} row-steps: every row runs to the sweep's longest length (the
 * recurrent GEMM covers all rows of every step), and a sweep has a fixed cost worth
 * {@code sweepCost} rows (fewer rows per weight load, per-sweep setup). The split minimising the
 * sum is found exactly by dynamic programming (a batch is at most a few hundred rows).
 */
final class Buckets {
    private Buckets() {
    }

    /**
     * @param sortedLengths lengths in increasing order
     * @param sweepCost     fixed cost of a sweep in rows ({@link Integer#MAX_VALUE}: never split)
     * @return the start index of each sweep, then {@code sortedLengths.length}
     */
    static int[] split(int[] sortedLengths, int sweepCost) {
        int n = sortedLengths.length;
        if (n <= 1 || sweepCost == Integer.MAX_VALUE) return new int[] {0, n};
        // best[j]: least cost of rows 0..j-1; from[j]: where the last sweep of that split starts
        double[] best = new double[n + 1];
        int[] from = new int[n + 1];
        for (int j = 1; j <= n; j++) {
            best[j] = Double.MAX_VALUE;
            double longest = sortedLengths[j - 1]; // rows are sorted: the last row of a sweep is its longest
            for (int i = 0; i < j; i++) {
                double c = best[i] + longest * ((double) (j - i) + sweepCost);
                if (c < best[j]) {
                    best[j] = c;
                    from[j] = i;
                }
            }
        }
        List<Integer> starts = new ArrayList<>();
        for (int j = n; j > 0; j = from[j]) starts.add(from[j]);
        int[] out = new int[starts.size() + 1];
        for (int k = 0; k < starts.size(); k++) out[k] = starts.get(starts.size() - 1 - k);
        out[starts.size()] = n;
        return out;
    }
}
