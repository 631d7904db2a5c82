package io.fusedrnn.vector;

import io.fusedrnn.Reserve;

/**
 * What a training forward keeps per (t, b) row: the state it started from and the gate activations
 * (LSTM: c before and after, m = o ⊙ tanh(c) with projection; GRU: hn = W_hn h + b_hn, r ⊙ h for
 * reset-before). Indexed by time, so the weight gradients are one GEMM over all T·B rows. Closing
 * hands the arrays back to the layer for the next training forward whose T·B fits in them.
 */
final class VecReserve<A> extends Reserve {
    final Store<A> s;
    private final VecLayer<A> layer;

    VecReserve(VecLayer<A> layer, Store<A> s, int steps, int batch) {
        super(layer, steps, batch);
        this.layer = layer;
        this.s = s;
    }

    @Override
    protected void release() {
        layer.recycle(s);
    }

    /** The arrays, [T·B rows, width], for up to {@code rows} rows (a sweep uses a prefix). */
    static final class Store<A> {
        final int rows;
        final A gates, hIn, cIn, cOut, m, hn, rh;

        Store(VecLayer<A> l, int rows) {
            this.rows = rows;
            VecMath<A> k = l.math;
            boolean lstm = l.spec().hasCellState();
            gates = k.alloc(rows * l.gh);
            hIn = k.alloc(rows * l.out);
            cIn = lstm ? k.alloc(rows * l.hs) : null;
            cOut = lstm ? k.alloc(rows * l.hs) : null;
            m = l.proj > 0 ? k.alloc(rows * l.hs) : null;
            hn = l.lbr ? k.alloc(rows * l.hs) : null;
            rh = !lstm && !l.lbr ? k.alloc(rows * l.hs) : null;
        }
    }
}
