package io.fusedrnn;

import java.util.Random;

/**
 * Host-side weights of one layer-direction in PyTorch's layout, row-major float64 (the master copy;
 * {@link Backend#prepare} rounds to float32 when asked). Gate blocks are stacked as {@link Cell} says.
 *
 * @param spec the layer's shape
 * @param wIh  {@code weight_ih} [G·H, I]
 * @param wHh  {@code weight_hh} [G·H, H_out] (H_out = P with projection, else H)
 * @param bIh  {@code bias_ih} [G·H] (zeros for {@code bias=False})
 * @param bHh  {@code bias_hh} [G·H] (zeros for {@code bias=False})
 * @param wHr  {@code weight_hr} [P, H] with projection, else null
 */
public record LayerWeights(LayerSpec spec, double[] wIh, double[] wHh, double[] bIh, double[] bHh, double[] wHr) {

    /** Names of the weight tensors, in the order of {@link #tensor(int)}. */
    public static final String[] NAMES = {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"};

    /** Checks every array's length against the spec; a wrong or missing one is a {@link FusedRnnException} naming it. */
    public LayerWeights {
        if (spec == null) throw new FusedRnnException("weights: spec is null");
        int rows = spec.gateRows();
        check("weight_ih", wIh, (long) rows * spec.inputSize(), rows + "x" + spec.inputSize());
        check("weight_hh", wHh, (long) rows * spec.outputSize(), rows + "x" + spec.outputSize());
        check("bias_ih", bIh, rows, "[" + rows + "]");
        check("bias_hh", bHh, rows, "[" + rows + "]");
        if (spec.projSize() > 0) {
            check("weight_hr", wHr, (long) spec.projSize() * spec.hiddenSize(), spec.projSize() + "x" + spec.hiddenSize());
        } else if (wHr != null) {
            throw new FusedRnnException("weight_hr: expected none without projection, found " + wHr.length + " values");
        }
    }

    private static void check(String name, double[] a, long expected, String shape) {
        if (a == null) throw new FusedRnnException(name + ": expected " + shape + ", found null");
        if (a.length != expected) {
            throw new FusedRnnException(name + ": expected " + shape + " = " + expected + " values, found " + a.length);
        }
    }

    /**
     * The k-th tensor in {@link #NAMES} order (weight_hr may be null).
     *
     * @param k index into {@link #NAMES}
     * @return the tensor's values (row-major), or null
     */
    public double[] tensor(int k) {
        return switch (k) {
            case 0 -> wIh;
            case 1 -> wHh;
            case 2 -> bIh;
            case 3 -> bHh;
            case 4 -> wHr;
            default -> throw new IndexOutOfBoundsException(k);
        };
    }

    /** {@return a deep copy (importers and tests perturb copies, never the caller's arrays)} */
    public LayerWeights copy() {
        return new LayerWeights(spec, wIh.clone(), wHh.clone(), bIh.clone(), bHh.clone(), wHr == null ? null : wHr.clone());
    }

    /**
     * Weights drawn like PyTorch's init, uniform in ±1/√H, from a seeded generator.
     *
     * @param spec the layer's cell and sizes
     * @param seed seed of the generator; the same seed gives the same weights
     * @return the weights
     */
    public static LayerWeights random(LayerSpec spec, long seed) {
        Random rnd = new Random(seed);
        double k = 1.0 / Math.sqrt(spec.hiddenSize());
        int rows = spec.gateRows();
        return new LayerWeights(spec,
                uniform(rnd, (long) rows * spec.inputSize(), k),
                uniform(rnd, (long) rows * spec.outputSize(), k),
                uniform(rnd, rows, k),
                uniform(rnd, rows, k),
                spec.projSize() > 0 ? uniform(rnd, (long) spec.projSize() * spec.hiddenSize(), k) : null);
    }

    private static double[] uniform(Random rnd, long n, double k) {
        double[] a = new double[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) a[i] = (2 * rnd.nextDouble() - 1) * k;
        return a;
    }
}
