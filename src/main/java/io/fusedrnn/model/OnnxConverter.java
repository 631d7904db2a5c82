package io.fusedrnn.model;

import io.fusedrnn.Cell;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.io.NdArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Converts the tensors of an ONNX {@code LSTM} or {@code GRU} node (one layer, forward or
 * bidirectional, default activations) into a model. ONNX stacks LSTM gates i, o, f, c and GRU gates
 * z, r, h; they are reordered to {@link Cell}'s order. W is [D, G·H, I], R [D, G·H, H], B [D, 2·G·H] =
 * [Wb, Rb] (absent: zeros). Direction {@code reverse} is a one-direction model that runs from the
 * last step ({@link RnnConfig#reverse()}). Peepholes, {@code clip} and {@code input_forget} have no
 * PyTorch equivalent and are refused with a clear error.
 */
public final class OnnxConverter {
    /** PyTorch block k (i, f, g, o) is ONNX LSTM block LSTM_FROM[k] (i, o, f, c). */
    static final int[] LSTM_FROM = {0, 2, 3, 1};
    /** PyTorch block k (r, z, n) is ONNX GRU block GRU_FROM[k] (z, r, h). */
    static final int[] GRU_FROM = {1, 0, 2};

    private OnnxConverter() {
    }

    /**
     * An ONNX LSTM. {@code peepholes} (P [D, 3H]) must be absent or all zero, {@code clip} absent
     * and {@code inputForget} false.
     *
     * @param direction ONNX's {@code direction} attribute: {@code forward}, {@code reverse} or {@code bidirectional}
     * @param w ONNX W [D, 4H, I], gates i, o, f, c
     * @param r ONNX R [D, 4H, H]
     * @param b ONNX B [D, 8H], or null for zeros
     * @param peepholes ONNX P, or null
     * @param clip ONNX's clip attribute, or null
     * @param inputForget ONNX's input_forget attribute
     * @return a one-layer model in PyTorch's layout
     */
    public static RnnModel lstm(NdArray w, NdArray r, NdArray b, NdArray peepholes, Double clip, boolean inputForget, String direction) {
        if (peepholes != null) {
            for (double v : peepholes.data()) {
                    if (v != 0) throw new FusedRnnException("ONNX LSTM P: peephole weights are not supported (only all-zero P), found " + v);
            }
        }
        if (inputForget) throw new FusedRnnException("ONNX LSTM input_forget: expected 0 (coupled input-forget gates are not supported), found 1");
        RnnModel m = convert(Cell.LSTM, w, r, b, clip, direction, true);
        if (peepholes != null) GateBlocks.expectShape("ONNX LSTM P", peepholes, m.config().directions(), 3 * m.config().hiddenSize());
        return m;
    }

    /**
     * An ONNX GRU; {@code linearBeforeReset} is its attribute (1 = PyTorch's variant, 0 = reset before the product).
     *
     * @param w ONNX W [D, 3H, I], gates z, r, h
     * @param r ONNX R [D, 3H, H]
     * @param b ONNX B [D, 6H], or null for zeros
     * @param linearBeforeReset the node's linear_before_reset
     * @param clip ONNX's clip attribute; must be null
     * @param direction ONNX's {@code direction} attribute: {@code forward}, {@code reverse} or {@code bidirectional}
     * @return a one-layer model in PyTorch's layout
     */
    public static RnnModel gru(NdArray w, NdArray r, NdArray b, boolean linearBeforeReset, Double clip, String direction) {
        return convert(Cell.GRU, w, r, b, clip, direction, linearBeforeReset);
    }

    private static RnnModel convert(Cell cell, NdArray w, NdArray r, NdArray b, Double clip, String direction, boolean lbr) {
        String op = "ONNX " + cell.name();
        if (clip != null) throw new FusedRnnException(op + " clip: cell clipping is not supported, found clip=" + clip);
        String dir = direction == null ? "forward" : direction;
        int d = switch (dir) {
            case "forward", "reverse" -> 1;
            case "bidirectional" -> 2;
            default -> throw new FusedRnnException(op + " direction: expected forward, reverse or bidirectional, found '" + dir + "'");
        };
        int g = cell.gates();
        if (r == null || r.rank() != 3 || r.dim(1) < g || r.dim(1) % g != 0) {
            throw new FusedRnnException(op + " R: expected [D, " + g + "·H, H], found " + (r == null ? "none" : r.shapeText()));
        }
        int h = r.dim(2);
        if (w == null || w.rank() != 3) throw new FusedRnnException(op + " W: expected [D, " + g + "·H, I], found " + (w == null ? "none" : w.shapeText()));
        int in = w.dim(2);
        GateBlocks.expectShape(op + " W", w, d, g * h, in);
        GateBlocks.expectShape(op + " R", r, d, g * h, h);
        if (b != null) GateBlocks.expectShape(op + " B", b, d, 2 * g * h);
        int[] from = cell == Cell.LSTM ? LSTM_FROM : GRU_FROM;
        RnnConfig config = new RnnConfig(cell, in, h, 0, 1, d == 2, lbr, b != null, dir.equals("reverse"));
        LayerSpec spec = config.layerSpec(0);
        List<LayerWeights> layers = new ArrayList<>();
        for (int k = 0; k < d; k++) {
            double[] bias = b == null ? new double[2 * g * h] : GateBlocks.slice(b, k, d);
            double[] bIh = java.util.Arrays.copyOfRange(bias, 0, g * h), bHh = java.util.Arrays.copyOfRange(bias, g * h, 2 * g * h);
            layers.add(new LayerWeights(spec,
                    GateBlocks.reorder(GateBlocks.slice(w, k, d), h, in, from),
                    GateBlocks.reorder(GateBlocks.slice(r, k, d), h, h, from),
                    GateBlocks.reorder(bIh, h, 1, from),
                    GateBlocks.reorder(bHh, h, 1, from),
                    null));
        }
        return new RnnModel(config, layers);
    }
}
