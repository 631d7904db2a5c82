package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.Cell;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import org.jocl.cl_mem;

import java.util.ArrayList;
import java.util.List;

/**
 * One layer-direction's weights on the device, uploaded and laid out once. Each matrix is kept in
 * the layouts its readers want contiguous along the index neighbouring work-items (or vector lanes)
 * take: W_ih [G·H, I] (for dx = dA·W_ih) and W_ihᵀ [I, G·H] (for the projection x·W_ihᵀ), W_hhᵀ
 * [H_out, G·H] (step kernels, along units) and W_hh [G·H, H_out] (dh_prev = dA·W_hh), W_hr [P, H]
 * and W_hrᵀ [H, P] with a projection; the input-side bias (b_ih + b_hh for LSTM, whose gates use the
 * sum; b_ih for GRU, whose n gate needs b_hh apart) and b_hh for GRU.
 */
final class ClLayer extends PreparedLayer {
    final ClContext ctx;
    final cl_mem wIh, wIhT, wHh, wHhT, inputBias, bHh, wHr, wHrT;
    /** W_hh packed in panels for the vector step kernels ({@link #pack}), or null where they do not run. */
    final cl_mem wHhPanels;
    /** W_ihᵀ packed in column panels for the vector GEMM ({@link #packColumns}), or null. */
    final cl_mem wIhPanels;
    /** W_hh [G·H, H_out] and W_ih [G·H, I] in column panels, for dh_prev = dA·W_hh and dx = dA·W_ih; or null. */
    final cl_mem wHhColumnPanels, wIhColumnPanels;
    /** Every buffer above that was uploaded, in upload order. */
    private final List<cl_mem> buffers = new ArrayList<>();

    /**
     * @param panelWidth vector width of the CPU rung's step kernels, or 0 when they do not run here
     */
    ClLayer(Backend backend, ClContext ctx, LayerWeights w, Precision precision, int panelWidth) {
        super(backend, w.spec(), precision);
        this.ctx = ctx;
        LayerSpec s = w.spec();
        int rows = s.gateRows(), out = s.outputSize(), hs = s.hiddenSize(), p = s.projSize();
        double[] bias = w.bIh().clone();
        if (s.cell() == Cell.LSTM) for (int r = 0; r < rows; r++) bias[r] += w.bHh()[r];
        try {
            boolean panels = panelWidth > 0;
            wHhPanels = panels && hs % panelWidth == 0 ? upload(pack(w.wHh(), s.cell().gates(), hs, out, panelWidth)) : null;
            wIhPanels = panels && rows % (2 * panelWidth) == 0
                    ? upload(packColumns(transpose(w.wIh(), rows, s.inputSize()), s.inputSize(), rows, 2 * panelWidth)) : null;
            wHhColumnPanels = panels && out % (2 * panelWidth) == 0 ? upload(packColumns(w.wHh(), rows, out, 2 * panelWidth)) : null;
            wIhColumnPanels = panels && s.inputSize() % (2 * panelWidth) == 0
                    ? upload(packColumns(w.wIh(), rows, s.inputSize(), 2 * panelWidth)) : null;
            wIhT = upload(transpose(w.wIh(), rows, s.inputSize()));
            wHh = upload(w.wHh());
            wIh = upload(w.wIh());
            wHhT = upload(transpose(w.wHh(), rows, out));
            inputBias = upload(bias);
            bHh = s.cell() == Cell.GRU ? upload(w.bHh()) : null;
            wHr = p > 0 ? upload(w.wHr()) : null;
            wHrT = p > 0 ? upload(transpose(w.wHr(), p, hs)) : null;
        } catch (RuntimeException ex) {
            release();
            throw ex;
        }
    }

    /** A new device buffer holding {@code values}, released with this layer. */
    private cl_mem upload(double[] values) {
        cl_mem m = ctx.allocate(precision(), values.length);
        buffers.add(m);
        ctx.write(m, precision(), values);
        return m;
    }

    /**
     * W_hh [G·H, K] as panels [H/vw][K][G][vw]: the weights of vw consecutive units, all gates, one k
     * after another, so a vector step work-item reads one contiguous stream instead of G strided ones.
     */
    static double[] pack(double[] wHh, int gates, int hidden, int k, int vw) {
        double[] p = new double[wHh.length];
        int at = 0;
        for (int ub = 0; ub < hidden / vw; ub++)
            for (int kk = 0; kk < k; kk++)
                for (int g = 0; g < gates; g++)
                    for (int v = 0; v < vw; v++) p[at++] = wHh[(g * hidden + ub * vw + v) * k + kk];
        return p;
    }

    /** A row-major [k, n] matrix as panels [n/width][k][width] (n a multiple of width). */
    static double[] packColumns(double[] b, int k, int n, int width) {
        double[] p = new double[b.length];
        int at = 0;
        for (int nb = 0; nb < n / width; nb++)
            for (int kk = 0; kk < k; kk++)
                for (int j = 0; j < width; j++) p[at++] = b[kk * n + nb * width + j];
        return p;
    }

    /** The [cols, rows] transpose of a row-major [rows, cols] matrix. */
    static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    @Override
    protected void release() {
        for (cl_mem m : buffers) ctx.release(m);
        buffers.clear();
    }
}
