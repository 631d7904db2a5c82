package io.fusedrnn.model;

import io.fusedrnn.Cell;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.io.NdArray;

import java.util.Arrays;
import java.util.List;

/**
 * Converts a Keras {@code LSTM} or {@code GRU} layer's weights (one layer, forward, default
 * activations) into a model. Keras stores {@code kernel} (I, G·H) and {@code recurrent_kernel}
 * (H, G·H), transposed with respect to PyTorch; LSTM gates i, f, c, o already match, GRU gates z, r, h
 * are reordered. LSTM has one bias (bias_hh = 0). GRU with {@code reset_after=True} (Keras' default,
 * PyTorch's variant) has bias (2, 3H) = [input; recurrent]; {@code reset_after=False} is the
 * reset-before-linear variant with one bias (3H).
 */
public final class KerasConverter {
    private KerasConverter() {
    }

    /**
     * A Keras LSTM; {@code bias} (4H) may be null for {@code use_bias=False}.
     *
     * @param kernel Keras {@code kernel}, (I, 4H) in gate order i, f, c, o
     * @param recurrentKernel Keras {@code recurrent_kernel}, (H, 4H)
     * @param bias (4H), or null
     * @return a one-layer forward LSTM in PyTorch's layout
     */
    public static RnnModel lstm(NdArray kernel, NdArray recurrentKernel, NdArray bias) {
        int[] ih = dims("Keras LSTM", kernel, recurrentKernel, 4);
        int in = ih[0], h = ih[1];
        if (bias != null) GateBlocks.expectShape("Keras LSTM bias", bias, 4 * h);
        RnnConfig config = new RnnConfig(Cell.LSTM, in, h, 0, 1, false, true, bias != null);
        return new RnnModel(config, List.of(new LayerWeights(config.layerSpec(0),
                GateBlocks.transpose(kernel.data(), in, 4 * h),
                GateBlocks.transpose(recurrentKernel.data(), h, 4 * h),
                bias == null ? new double[4 * h] : bias.data().clone(),
                new double[4 * h], null)));
    }

    /**
     * A Keras GRU. {@code bias} is (2, 3H) when {@code resetAfter}, (3H) otherwise, or null for
     * {@code use_bias=False}.
     *
     * @param kernel Keras {@code kernel}, (I, 3H) in gate order z, r, h
     * @param recurrentKernel Keras {@code recurrent_kernel}, (H, 3H)
     * @param bias the bias as described, or null
     * @param resetAfter Keras's {@code reset_after}: true is PyTorch's variant
     * @return a one-layer GRU in PyTorch's layout
     */
    public static RnnModel gru(NdArray kernel, NdArray recurrentKernel, NdArray bias, boolean resetAfter) {
        int[] ih = dims("Keras GRU", kernel, recurrentKernel, 3);
        int in = ih[0], h = ih[1], rows = 3 * h;
        double[] bIh = new double[rows], bHh = new double[rows];
        if (bias != null) {
            if (resetAfter) {
                GateBlocks.expectShape("Keras GRU bias (reset_after=True)", bias, 2, rows);
                bIh = Arrays.copyOfRange(bias.data(), 0, rows);
                bHh = Arrays.copyOfRange(bias.data(), rows, 2 * rows);
            } else {
                GateBlocks.expectShape("Keras GRU bias (reset_after=False)", bias, rows);
                bIh = bias.data().clone();
            }
        }
        int[] from = OnnxConverter.GRU_FROM; // Keras z, r, h like ONNX
        RnnConfig config = new RnnConfig(Cell.GRU, in, h, 0, 1, false, resetAfter, bias != null);
        return new RnnModel(config, List.of(new LayerWeights(config.layerSpec(0),
                GateBlocks.reorder(GateBlocks.transpose(kernel.data(), in, rows), h, in, from),
                GateBlocks.reorder(GateBlocks.transpose(recurrentKernel.data(), h, rows), h, h, from),
                GateBlocks.reorder(bIh, h, 1, from),
                GateBlocks.reorder(bHh, h, 1, from), null)));
    }

    /** {I, H} from kernel (I, G·H) and recurrent_kernel (H, G·H). */
    private static int[] dims(String op, NdArray kernel, NdArray rec, int gates) {
        if (rec == null || rec.rank() != 2 || rec.dim(1) != gates * rec.dim(0) || rec.dim(0) < 1) {
            throw new FusedRnnException(op + " recurrent_kernel: expected (H, " + gates + "·H), found " + (rec == null ? "none" : rec.shapeText()));
        }
        int h = rec.dim(0);
        if (kernel == null || kernel.rank() != 2) {
            throw new FusedRnnException(op + " kernel: expected (I, " + gates * h + "), found " + (kernel == null ? "none" : kernel.shapeText()));
        }
        GateBlocks.expectShape(op + " kernel", kernel, kernel.dim(0), gates * h);
        return new int[] {kernel.dim(0), h};
    }
}
