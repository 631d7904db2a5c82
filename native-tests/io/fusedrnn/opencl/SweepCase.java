package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * One forward + backward sweep, run the same way on any backend, returning every output and gradient
 * by name, so two backends can be compared value by value. y and dx are pre-filled with noise and y
 * is wider than the layer's output, so writes outside this direction's columns and dx's accumulation
 * are checked too.
 */
record SweepCase(LayerSpec spec, int steps, int batch, boolean reverse, boolean states, boolean lengths, long seed) {

    static final int Y_COLUMN = 2, Y_EXTRA = 3;

    Map<String, double[]> run(Backend be, Precision pr) {
        Random rnd = new Random(seed);
        LayerWeights w = LayerWeights.random(spec, seed);
        int out = spec.outputSize(), hs = spec.hiddenSize(), in = spec.inputSize();
        int width = out + Y_EXTRA;
        double[] x = noise(rnd, steps * batch * in), yInit = noise(rnd, steps * batch * width);
        double[] h0 = noise(rnd, batch * out), c0 = noise(rnd, batch * hs);
        double[] dy = noise(rnd, steps * batch * width), dhN = noise(rnd, batch * out), dcN = noise(rnd, batch * hs);
        double[] dxInit = noise(rnd, steps * batch * in);
        int[] len = null;
        if (lengths) {
            len = new int[batch];
            for (int b = 0; b < batch; b++) len[b] = b == 0 ? steps : rnd.nextInt(steps + 1);
        }
        Map<String, double[]> got = new LinkedHashMap<>();
        try (PreparedLayer layer = be.prepare(w, pr);
             Tensor tx = be.upload(pr, x, steps, batch, in);
             Tensor th0 = states ? be.upload(pr, h0, batch, out) : null;
             Tensor tc0 = states && spec.hasCellState() ? be.upload(pr, c0, batch, hs) : null;
             Tensor ty = be.upload(pr, yInit, steps, batch, width);
             Tensor tdy = be.upload(pr, dy, steps, batch, width);
             Tensor tdhN = be.upload(pr, dhN, batch, out);
             Tensor tdcN = spec.hasCellState() ? be.upload(pr, dcN, batch, hs) : null;
             Tensor tdx = be.upload(pr, dxInit, steps, batch, in)) {
            Sweep sweep = new Sweep(tx, th0, tc0, len, reverse);
            try (SweepResult r = be.forward(layer, sweep, ty, Y_COLUMN, true);
                 Gradients g = be.backward(layer, sweep, r.reserve(), tdy, Y_COLUMN, tdhN, tdcN, tdx)) {
                got.put("y", ty.toDoubleArray());
                got.put("h_n", r.hN().toDoubleArray());
                if (r.cN() != null) got.put("c_n", r.cN().toDoubleArray());
                got.put("dx", tdx.toDoubleArray());
                got.put("dh0", g.dh0().toDoubleArray());
                if (g.dc0() != null) got.put("dc0", g.dc0().toDoubleArray());
                for (int k = 0; k < LayerWeights.NAMES.length; k++) {
                    if (g.weight(k) != null) got.put("d" + LayerWeights.NAMES[k], g.weight(k).toDoubleArray());
                }
            }
        }
        return got;
    }

    private static double[] noise(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextGaussian() * 0.5;
        return a;
    }

    @Override
    public String toString() {
        return spec.describe() + " T=" + steps + " B=" + batch + (reverse ? " reverse" : "") + (states ? " h0" : "")
                + (lengths ? " lengths" : "") + " seed=" + seed;
    }
}
