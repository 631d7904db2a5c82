package io.fusedrnn.reference;

import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;

import static io.fusedrnn.Cell.F;
import static io.fusedrnn.Cell.G;
import static io.fusedrnn.Cell.I;
import static io.fusedrnn.Cell.O;

/** LSTM (with optional projection), forward and backward, one row and one step at a time; the formulas of docs/DESIGN.md, Semantics and Backward. */
final class ReferenceLstm {
    private ReferenceLstm() {
    }

    static void forward(LayerWeights w, SweepArrays st, Trace tr, RefTensor hN, RefTensor cN) {
        LayerSpec s = w.spec();
        int hs = s.hiddenSize(), out = s.outputSize(), in = s.inputSize(), rows = s.gateRows();
        st.zeroPadding();
        for (int b = 0; b < st.batch(); b++) {
            double[] h = SweepArrays.row(st.h0, b, out);
            double[] c = SweepArrays.row(st.c0, b, hs);
            for (int k = 0; k < st.sweep.length(b); k++) {
                int t = st.sweep.timeOf(k, b);
                tr.hIn[k][b] = h.clone();
                tr.cIn[k][b] = c.clone();
                double[] a = tr.gates[k][b];
                for (int r = 0; r < rows; r++) {
                    double v = w.bIh()[r] + w.bHh()[r];
                    for (int j = 0; j < in; j++) v += w.wIh()[r * in + j] * st.x[st.xAt(t, b) + j];
                    for (int j = 0; j < out; j++) v += w.wHh()[r * out + j] * h[j];
                    a[r] = v;
                }
                double[] m = tr.m[k][b];
                for (int u = 0; u < hs; u++) {
                    double i = SweepArrays.sigmoid(a[I * hs + u]), f = SweepArrays.sigmoid(a[F * hs + u]);
                    double g = Math.tanh(a[G * hs + u]), o = SweepArrays.sigmoid(a[O * hs + u]);
                    a[I * hs + u] = i;
                    a[F * hs + u] = f;
                    a[G * hs + u] = g;
                    a[O * hs + u] = o;
                    c[u] = f * c[u] + i * g;
                    m[u] = o * Math.tanh(c[u]);
                }
                tr.cOut[k][b] = c.clone();
                h = project(w, m);
                for (int j = 0; j < out; j++) st.y.set(st.yAt(t, b) + j, h[j]);
            }
            for (int j = 0; j < out; j++) hN.set(b * out + j, h[j]);
            for (int u = 0; u < hs; u++) cN.set(b * hs + u, c[u]);
        }
    }

    /** h = W_hr m with projection, else m itself. */
    private static double[] project(LayerWeights w, double[] m) {
        int p = w.spec().projSize(), hs = w.spec().hiddenSize();
        if (p == 0) return m.clone();
        double[] h = new double[p];
        for (int q = 0; q < p; q++) {
            double v = 0;
            for (int u = 0; u < hs; u++) v += w.wHr()[q * hs + u] * m[u];
            h[q] = v;
        }
        return h;
    }

    static void backward(LayerWeights w, SweepArrays st, Trace tr, RefTensor dhN, RefTensor dcN, RefTensor dx, Gradients g) {
        LayerSpec s = w.spec();
        int hs = s.hiddenSize(), out = s.outputSize(), in = s.inputSize(), rows = s.gateRows(), p = s.projSize();
        double[] dWih = new double[rows * in], dWhh = new double[rows * out], db = new double[rows];
        double[] dWhr = p > 0 ? new double[p * hs] : null;
        double[] dh0 = new double[st.batch() * out], dc0 = new double[st.batch() * hs];
        for (int b = 0; b < st.batch(); b++) {
            double[] dh = SweepArrays.row(dhN == null ? null : dhN.data, b, out);
            double[] dc = SweepArrays.row(dcN == null ? null : dcN.data, b, hs);
            for (int k = st.sweep.length(b) - 1; k >= 0; k--) {
                int t = st.sweep.timeOf(k, b);
                for (int j = 0; j < out; j++) dh[j] += st.y.data[st.yAt(t, b) + j];
                double[] a = tr.gates[k][b], m = tr.m[k][b], cPrev = tr.cIn[k][b], c = tr.cOut[k][b];
                double[] dm = dh;
                if (p > 0) {
                    dm = new double[hs];
                    for (int q = 0; q < p; q++) {
                        for (int u = 0; u < hs; u++) {
                            dm[u] += dh[q] * w.wHr()[q * hs + u];
                            dWhr[q * hs + u] += dh[q] * m[u];
                        }
                    }
                }
                double[] dA = new double[rows];
                for (int u = 0; u < hs; u++) {
                    double i = a[I * hs + u], f = a[F * hs + u], gg = a[G * hs + u], o = a[O * hs + u];
                    double tc = Math.tanh(c[u]);
                    double dO = dm[u] * tc;
                    dc[u] += dm[u] * o * (1 - tc * tc);
                    dA[I * hs + u] = dc[u] * gg * i * (1 - i);
                    dA[F * hs + u] = dc[u] * cPrev[u] * f * (1 - f);
                    dA[G * hs + u] = dc[u] * i * (1 - gg * gg);
                    dA[O * hs + u] = dO * o * (1 - o);
                    dc[u] *= f;
                }
                double[] hPrev = tr.hIn[k][b];
                double[] dhPrev = new double[out];
                for (int r = 0; r < rows; r++) {
                    double d = dA[r];
                    db[r] += d;
                    for (int j = 0; j < in; j++) {
                        int xi = st.xAt(t, b) + j;
                        dx.data[xi] += d * w.wIh()[r * in + j];
                        dWih[r * in + j] += d * st.x[xi];
                    }
                    for (int j = 0; j < out; j++) {
                        dhPrev[j] += d * w.wHh()[r * out + j];
                        dWhh[r * out + j] += d * hPrev[j];
                    }
                }
                dh = dhPrev;
            }
            System.arraycopy(dh, 0, dh0, b * out, out);
            System.arraycopy(dc, 0, dc0, b * hs, hs);
        }
        roundInPlace(dx);
        g.dh0().write(dh0);
        g.dc0().write(dc0);
        g.dWih().write(dWih);
        g.dWhh().write(dWhh);
        g.dBih().write(db);
        g.dBhh().write(db);
        if (p > 0) g.dWhr().write(dWhr);
    }

    /** Rounds an accumulated tensor to its precision once, after float64 accumulation. */
    static void roundInPlace(RefTensor t) {
        for (int i = 0; i < t.data.length; i++) t.set(i, t.data[i]);
    }
}
