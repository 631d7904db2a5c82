package io.fusedrnn.check;

import io.fusedrnn.LayerSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One shape of the backend contract: a layer, T, B, direction, whether initial states are given,
 * and per-row lengths. Shapes are chosen to break tails, partial tiles and blocked reductions
 * (docs/DESIGN.md, Tolerances).
 *
 * @param spec cell and sizes of the layer
 * @param steps T
 * @param batch B
 * @param reverse whether the sweep runs backwards in time
 * @param initialStates whether h0 (and c0) are given rather than zeros
 * @param withLengths whether rows have their own lengths
 * @param seed seed of the case's random data
 */
public record ContractCase(LayerSpec spec, int steps, int batch, boolean reverse, boolean initialStates,
                           boolean withLengths, long seed) {

    /**
     * The contract's shapes: tails and partial tiles (H in {1, 3, 8, 13, 67}, I in {1, 5, 33}, B in
     * {1, 2, 7}, T in {1, 2, 9}), reductions longer than one K block, and each rung of the OpenCL ladder.
     *
     * @return every case, in a fixed order
     */
    public static List<ContractCase> all() {
        List<ContractCase> c = new ArrayList<>();
        // LSTM
        c.add(new ContractCase(LayerSpec.lstm(1, 1), 1, 1, false, true, false, 11));
        c.add(new ContractCase(LayerSpec.lstm(5, 3), 2, 2, true, true, false, 12));
        c.add(new ContractCase(LayerSpec.lstm(33, 8), 9, 7, false, true, true, 13));
        c.add(new ContractCase(LayerSpec.lstm(5, 13), 9, 7, true, true, true, 14));
        c.add(new ContractCase(LayerSpec.lstm(33, 67), 9, 2, false, false, false, 15));
        // LSTM with projection
        c.add(new ContractCase(LayerSpec.lstm(5, 8, 3), 9, 2, false, true, true, 21));
        c.add(new ContractCase(LayerSpec.lstm(1, 13, 5), 2, 7, true, true, true, 22));
        // GRU, linear-before-reset (PyTorch)
        c.add(new ContractCase(LayerSpec.gru(1, 1, true), 1, 1, false, true, false, 31));
        c.add(new ContractCase(LayerSpec.gru(5, 3, true), 9, 7, true, true, true, 32));
        c.add(new ContractCase(LayerSpec.gru(33, 13, true), 9, 2, false, false, false, 33));
        c.add(new ContractCase(LayerSpec.gru(5, 67, true), 2, 7, true, false, true, 34));
        // GRU, reset-before-linear (Cho 2014, ONNX linear_before_reset=0)
        c.add(new ContractCase(LayerSpec.gru(5, 8, false), 9, 7, false, true, true, 41));
        c.add(new ContractCase(LayerSpec.gru(1, 13, false), 9, 2, true, true, true, 42));
        c.add(new ContractCase(LayerSpec.gru(33, 67, false), 2, 1, false, true, false, 43));
        // Blocked reductions: K > 256 (OpenCL gemm_vec's K slice; the vector GEMM's K block is 1024, GemmBlockingTest) and T·B > 64
        c.add(new ContractCase(LayerSpec.lstm(300, 16), 5, 3, false, true, true, 51));          // K = I = 300
        c.add(new ContractCase(LayerSpec.lstm(9, 72), 33, 3, true, true, true, 52));            // K = 4H = 288, T·B = 99
        c.add(new ContractCase(LayerSpec.gru(7, 96, false), 40, 7, true, true, true, 53));      // K = 3H = 288, T·B = 280
        // The OpenCL ladder's CPU rungs (H and P multiples of every vector width, 2 to 16): vector step
        // kernels with full row blocks, the LSTMP vector projection, and the one-work-group sweeps (B <= 2)
        c.add(new ContractCase(LayerSpec.lstm(24, 64, 32), 8, 4, false, true, true, 61));
        c.add(new ContractCase(LayerSpec.gru(64, 64, false), 8, 4, true, false, true, 62));
        c.add(new ContractCase(LayerSpec.lstm(5, 32), 9, 2, true, true, true, 63));
        c.add(new ContractCase(LayerSpec.gru(7, 32, true), 9, 1, false, true, false, 64));
        return c;
    }

    /**
     * Batches past the contract's 7 rows, for the splits and tiles that engage only there (the vector
     * backend's row groups from 32 rows, the OpenCL step kernels' 16 rows per work-item): 19, 35, 64 and
     * 70 rows, every cell, ragged and not, both directions, with and without initial states.
     *
     * @return the cases, in a fixed order
     */
    public static List<ContractCase> wide() {
        return List.of(
                new ContractCase(LayerSpec.lstm(9, 40), 6, 19, false, true, true, 201),
                new ContractCase(LayerSpec.lstm(9, 40, 24), 11, 70, true, true, false, 202),
                new ContractCase(LayerSpec.gru(7, 48, true), 6, 35, true, true, true, 203),
                new ContractCase(LayerSpec.gru(7, 33, false), 9, 64, false, false, true, 204),
                new ContractCase(LayerSpec.lstm(9, 24), 12, 64, false, true, false, 205));
    }

    /** {@return lengths in 1..T with at least one full row and, when B &ge; 7, one empty row; null without lengths} */
    public int[] lengths() {
        if (!withLengths) return null;
        Random rnd = new Random(seed * 31 + 7);
        int[] len = new int[batch];
        for (int b = 0; b < batch; b++) len[b] = 1 + rnd.nextInt(steps);
        len[batch / 2] = steps;
        if (batch >= 7) len[batch - 1] = 0;
        return len;
    }

    @Override
    public String toString() {
        return spec.describe() + " T=" + steps + " B=" + batch + (reverse ? " reverse" : " forward")
                + (initialStates ? " h0" + (spec.hasCellState() ? "/c0" : "") : "")
                + (withLengths ? " lengths" : "") + " seed=" + seed;
    }
}
