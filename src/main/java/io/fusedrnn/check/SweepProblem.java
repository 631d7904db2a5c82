package io.fusedrnn.check;

import io.fusedrnn.Backend;
import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;

import java.util.Random;

/**
 * The random data of one contract case, on the host in float64: weights, inputs, and the loss weights
 * G of L = Σ y⊙G_y + Σ h_n⊙G_h + Σ c_n⊙G_c. {@link #run} runs it on any backend.
 */
public final class SweepProblem {
    /** The case this data belongs to. */
    public final ContractCase c;
    /** The layer's weights. */
    public final LayerWeights weights;
    /** Inputs, initial states and the loss weights G (null where the case has none). */
    public final double[] x, h0, c0, gy, gh, gc;
    /** Valid steps of each row, or null. */
    public final int[] lengths;

    /**
     * The case's seeded random data with its seeded random weights.
     *
     * @param c the case: shape, direction and seed
     */
    public SweepProblem(ContractCase c) {
        this(c, LayerWeights.random(c.spec(), c.seed()));
    }

    /**
     * The case's seeded random data with the given weights.
     *
     * @param c the case: shape, direction and seed
     * @param weights the layer's weights (a fixture, or the seeded random ones)
     */
    public SweepProblem(ContractCase c, LayerWeights weights) {
        this(c, weights, new Random(c.seed() ^ 0x5DEECE66DL));
    }

    private SweepProblem(ContractCase c, LayerWeights weights, Random rnd) {
        this(c, weights,
                uniform(rnd, c.steps() * c.batch() * c.spec().inputSize()),
                c.initialStates() ? uniform(rnd, c.batch() * c.spec().outputSize()) : null,
                c.initialStates() && c.spec().hasCellState() ? uniform(rnd, c.batch() * c.spec().hiddenSize()) : null,
                uniform(rnd, c.steps() * c.batch() * c.spec().outputSize()),
                uniform(rnd, c.batch() * c.spec().outputSize()),
                c.spec().hasCellState() ? uniform(rnd, c.batch() * c.spec().hiddenSize()) : null,
                c.lengths());
    }

    /**
     * Given data (a fixture, or a variation of a random problem).
     *
     * @param c the case: shape, direction and seed
     * @param weights the layer's weights
     * @param x input [T, B, I]
     * @param h0 initial hidden state [B, H_out], or null
     * @param c0 initial cell state [B, H], or null
     * @param gy loss weights of y
     * @param gh loss weights of h_n
     * @param gc loss weights of c_n, or null for GRU
     * @param lengths valid steps of each row, or null
     */
    public SweepProblem(ContractCase c, LayerWeights weights, double[] x, double[] h0, double[] c0,
                        double[] gy, double[] gh, double[] gc, int[] lengths) {
        this.c = c;
        this.weights = weights;
        this.x = x;
        this.h0 = h0;
        this.c0 = c0;
        this.gy = gy;
        this.gh = gh;
        this.gc = gc;
        this.lengths = lengths;
    }

    private static double[] uniform(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = 2 * rnd.nextDouble() - 1;
        return a;
    }

    /**
     * The host results of one run: outputs, and gradients when backward ran.
     *
     * @param y output [T, B, H_out]
     * @param hN final hidden state [B, H_out]
     * @param cN final cell state [B, H] (LSTM), else null
     * @param dx dL/dx, or null without backward
     * @param dh0 dL/dh0, or null without backward
     * @param dc0 dL/dc0, or null without backward or for GRU
     * @param dW weight and bias gradients in {@link LayerWeights#NAMES} order, or null without backward
     */
    public record Outcome(double[] y, double[] hN, double[] cN, double[] dx, double[] dh0, double[] dc0, double[][] dW) {
        /** {@return y, h_n and c_n as one vector (what the loss reads)} */
        public double[] outputs() {
            return concat(y, hN, cN);
        }
    }

    /**
     * Runs forward (and backward when {@code backward}) with x, h0, c0 and weights as given.
     *
     * @param backend the backend under test
     * @param p the precision it computes in
     * @param backward whether to run backward too
     * @return the host copies of outputs and, with backward, gradients
     */
    public Outcome run(Backend backend, Precision p, boolean backward) {
        return run(backend, p, backward, weights, x, h0, c0);
    }

    /**
     * Runs forward (and backward when {@code backward}) with other weights, input or states than this problem's.
     *
     * @param backend the backend under test
     * @param p the precision it computes in
     * @param backward whether to run backward too
     * @param w the weights to use
     * @param xs input [T, B, I]
     * @param h0s initial hidden state, or null
     * @param c0s initial cell state, or null
     * @return the host copies of outputs and, with backward, gradients
     */
    public Outcome run(Backend backend, Precision p, boolean backward, LayerWeights w, double[] xs, double[] h0s, double[] c0s) {
        LayerSpec s = c.spec();
        int T = c.steps(), B = c.batch();
        try (PreparedLayer layer = backend.prepare(w, p);
             Tensor xt = backend.upload(p, xs, T, B, s.inputSize());
             Tensor h0t = h0s == null ? null : backend.upload(p, h0s, B, s.outputSize());
             Tensor c0t = c0s == null ? null : backend.upload(p, c0s, B, s.hiddenSize());
             Tensor y = backend.allocate(p, T, B, s.outputSize())) {
            Sweep sweep = new Sweep(xt, h0t, c0t, lengths, c.reverse());
            try (SweepResult r = backend.forward(layer, sweep, y, 0, backward)) {
                double[] ys = y.toDoubleArray(), hN = r.hN().toDoubleArray();
                double[] cN = r.cN() == null ? null : r.cN().toDoubleArray();
                if (!backward) return new Outcome(ys, hN, cN, null, null, null, null);
                try (Tensor dy = backend.upload(p, gy, T, B, s.outputSize());
                     Tensor dhN = backend.upload(p, gh, B, s.outputSize());
                     Tensor dcN = gc == null ? null : backend.upload(p, gc, B, s.hiddenSize());
                     Tensor dx = backend.allocate(p, T, B, s.inputSize());
                     Gradients g = backend.backward(layer, sweep, r.reserve(), dy, 0, dhN, dcN, dx)) {
                    double[][] dW = new double[LayerWeights.NAMES.length][];
                    for (int k = 0; k < dW.length; k++) dW[k] = g.weight(k) == null ? null : g.weight(k).toDoubleArray();
                    return new Outcome(ys, hN, cN, dx.toDoubleArray(), g.dh0().toDoubleArray(),
                            g.dc0() == null ? null : g.dc0().toDoubleArray(), dW);
                }
            }
        }
    }

    /**
     * L's value change between two outcomes, summed elementwise as G ⊙ (a − b) to keep cancellation small.
     *
     * @param a one run's outcome
     * @param b another run's outcome
     * @return L(a) − L(b)
     */
    public double lossDifference(Outcome a, Outcome b) {
        double[] g = concat(gy, gh, gc), oa = a.outputs(), ob = b.outputs();
        double sum = 0;
        for (int i = 0; i < g.length; i++) sum += g[i] * (oa[i] - ob[i]);
        return sum;
    }

    /**
     * The non-null parts, one after another.
     *
     * @param parts arrays, some possibly null
     * @return a new array holding them in order
     */
    public static double[] concat(double[]... parts) {
        int n = 0;
        for (double[] p : parts) if (p != null) n += p.length;
        double[] out = new double[n];
        int o = 0;
        for (double[] p : parts) {
            if (p == null) continue;
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
