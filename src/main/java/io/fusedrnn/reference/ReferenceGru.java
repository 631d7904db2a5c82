package io.fusedrnn.reference;

import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;

import static io.fusedrnn.Cell.N;
import static io.fusedrnn.Cell.R;
import static io.fusedrnn.Cell.Z;

/** GRU in both variants (linear-before-reset and reset-before-linear), forward and backward; the formulas of docs/DESIGN.md, Semantics and Backward. */
final class ReferenceGru {
    private ReferenceGru() {
    }

    static void forward(LayerWeights w, SweepArrays st, Trace tr, RefTensor hN) {
        LayerSpec s = w.spec();
        int hs = s.hiddenSize(), in = s.inputSize(), rows = s.gateRows();
        boolean lbr = s.linearBeforeReset();
        st.zeroPadding();
        for (int b = 0; b < st.batch(); b++) {
            double[] h = SweepArrays.row(st.h0, b, hs);
            for (int k = 0; k < st.sweep.length(b); k++) {
                int t = st.sweep.timeOf(k, b);
                tr.hIn[k][b] = h.clone();
                double[] ax = new double[rows], ah = new double[rows];
                for (int r = 0; r < rows; r++) {
                    double v = w.bIh()[r];
                    for (int j = 0; j < in; j++) v += w.wIh()[r * in + j] * st.x[st.xAt(t, b) + j];
                    ax[r] = v;
                    if (r >= N * hs && !lbr) continue; // reset-before: W_hn applies to r ⊙ h, below
                    double u = w.bHh()[r];
                    for (int j = 0; j < hs; j++) u += w.wHh()[r * hs + j] * h[j];
                    ah[r] = u;
                }
                double[] a = tr.gates[k][b], hn = tr.hn[k][b];
                for (int u = 0; u < hs; u++) {
                    a[R * hs + u] = SweepArrays.sigmoid(ax[R * hs + u] + ah[R * hs + u]);
                    a[Z * hs + u] = SweepArrays.sigmoid(ax[Z * hs + u] + ah[Z * hs + u]);
                }
                for (int u = 0; u < hs; u++) {
                    int rn = N * hs + u;
                    if (lbr) {
                        hn[u] = ah[rn];
                    } else {
                        double v = w.bHh()[rn];
                        for (int j = 0; j < hs; j++) v += w.wHh()[rn * hs + j] * a[R * hs + j] * h[j];
                        hn[u] = v;
                    }
                    a[rn] = Math.tanh(ax[rn] + (lbr ? a[R * hs + u] * hn[u] : hn[u]));
                }
                double[] next = new double[hs];
                for (int u = 0; u < hs; u++) {
                    double z = a[Z * hs + u];
                    next[u] = (1 - z) * a[N * hs + u] + z * h[u];
                }
                h = next;
                for (int j = 0; j < hs; j++) st.y.set(st.yAt(t, b) + j, h[j]);
            }
            for (int j = 0; j < hs; j++) hN.set(b * hs + j, h[j]);
        }
    }

    static void backward(LayerWeights w, SweepArrays st, Trace tr, RefTensor dhN, RefTensor dx, Gradients g) {
        LayerSpec s = w.spec();
        int hs = s.hiddenSize(), in = s.inputSize(), rows = s.gateRows();
        boolean lbr = s.linearBeforeReset();
        double[] dWih = new double[rows * in], dWhh = new double[rows * hs];
        double[] dbIh = new double[rows], dbHh = new double[rows], dh0 = new double[st.batch() * hs];
        for (int b = 0; b < st.batch(); b++) {
            double[] dh = SweepArrays.row(dhN == null ? null : dhN.data, b, hs);
            for (int k = st.sweep.length(b) - 1; k >= 0; k--) {
                int t = st.sweep.timeOf(k, b);
                for (int j = 0; j < hs; j++) dh[j] += st.y.data[st.yAt(t, b) + j];
                double[] a = tr.gates[k][b], hn = tr.hn[k][b], hPrev = tr.hIn[k][b];
                double[] dAx = new double[rows], dAh = new double[rows], dhPrev = new double[hs];
                for (int u = 0; u < hs; u++) {
                    double r = a[R * hs + u], z = a[Z * hs + u], n = a[N * hs + u];
                    double dan = dh[u] * (1 - z) * (1 - n * n);
                    dAx[Z * hs + u] = dh[u] * (hPrev[u] - n) * z * (1 - z);
                    dAx[N * hs + u] = dan;
                    dhPrev[u] = dh[u] * z;
                    if (lbr) {
                        dAx[R * hs + u] = dan * hn[u] * r * (1 - r);
                        dAh[N * hs + u] = dan * r;
                    } else {
                        dAh[N * hs + u] = dan;
                    }
                }
                if (!lbr) {
                    // n's recurrent term is W_hn (r ⊙ h): its gradient reaches r and h through r ⊙ h.
                    for (int j = 0; j < hs; j++) {
                        double drh = 0;
                        for (int u = 0; u < hs; u++) drh += dAh[N * hs + u] * w.wHh()[(N * hs + u) * hs + j];
                        double r = a[R * hs + j];
                        dAx[R * hs + j] = drh * hPrev[j] * r * (1 - r);
                        dhPrev[j] += drh * r;
                    }
                }
                for (int u = 0; u < hs; u++) {
                    dAh[R * hs + u] = dAx[R * hs + u];
                    dAh[Z * hs + u] = dAx[Z * hs + u];
                }
                for (int r = 0; r < rows; r++) {
                    dbIh[r] += dAx[r];
                    dbHh[r] += dAh[r];
                    for (int j = 0; j < in; j++) {
                        int xi = st.xAt(t, b) + j;
                        dx.data[xi] += dAx[r] * w.wIh()[r * in + j];
                        dWih[r * in + j] += dAx[r] * st.x[xi];
                    }
                    boolean nRow = r >= N * hs;
                    for (int j = 0; j < hs; j++) {
                        // reset-before: the n rows saw r ⊙ h, and their h-gradient went through drh above
                        double hj = nRow && !lbr ? a[R * hs + j] * hPrev[j] : hPrev[j];
                        dWhh[r * hs + j] += dAh[r] * hj;
                        if (!nRow || lbr) dhPrev[j] += dAh[r] * w.wHh()[r * hs + j];
                    }
                }
                dh = dhPrev;
            }
            System.arraycopy(dh, 0, dh0, b * hs, hs);
        }
        ReferenceLstm.roundInPlace(dx);
        g.dh0().write(dh0);
        g.dWih().write(dWih);
        g.dWhh().write(dWhh);
        g.dBih().write(dbIh);
        g.dBhh().write(dbHh);
    }
}
