package io.fusedrnn.benchmarks.harness;

import io.fusedrnn.LayerWeights;

import java.util.SplittableRandom;

/**
 * The data every contender of one case runs on: the same weights (PyTorch layout), input x [T, B, I]
 * and, for training, the upstream gradient dy [T, B, H], all drawn from one seed.
 */
public record Problem(BenchCase benchCase, LayerWeights weights, double[] x, double[] dy) {

    /** Deterministic data for a case; the seed depends only on cell and shape, so reruns compare. */
    public static Problem of(BenchCase c) {
        BenchShape s = c.shape();
        long seed = 0x5EEDL * 31 + c.cell().ordinal() * 1_000_003L + s.batch() * 7919L + s.steps() * 104_729L
                + s.inputSize() * 15_485_863L + s.hiddenSize();
        SplittableRandom rnd = new SplittableRandom(seed);
        LayerWeights w = LayerWeights.random(c.spec(), seed);
        double[] x = uniform(rnd, (long) s.steps() * s.batch() * s.inputSize());
        double[] dy = c.mode() == Mode.TRAIN ? uniform(rnd, (long) s.steps() * s.batch() * s.hiddenSize()) : null;
        return new Problem(c, w, x, dy);
    }

    /** x rounded to float32, for the peers that take fp32 input. */
    public float[] floatX() {
        float[] f = new float[x.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) x[i];
        return f;
    }

    public int steps() {
        return benchCase.shape().steps();
    }

    public int batch() {
        return benchCase.shape().batch();
    }

    private static double[] uniform(SplittableRandom rnd, long n) {
        double[] a = new double[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextDouble(-1, 1);
        return a;
    }
}
