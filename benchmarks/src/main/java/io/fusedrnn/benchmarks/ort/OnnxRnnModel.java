package io.fusedrnn.benchmarks.ort;

import io.fusedrnn.Cell;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds a one-node ONNX model (an LSTM or GRU operator, forward direction) from fusedrnn's
 * PyTorch-layout weights, as protobuf bytes ONNX Runtime can load. Inputs: X [T, B, I] (and
 * sequence_lens [B], int32, when asked for); outputs:
 * Y [T, 1, B, H], Y_h [1, B, H] (and Y_c for LSTM), with T and B left symbolic.
 *
 * <p>Gate order: PyTorch stacks LSTM blocks i, f, g, o and ONNX i, o, f, c; PyTorch GRU r, z, n and
 * ONNX z, r, h (docs/DESIGN.md, Semantics). ONNX's B is [Wb, Rb] = [bias_ih, bias_hh], reordered alike.
 * Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, ...).
 */
public final class OnnxRnnModel {
    /** ONNX block k takes PyTorch block LSTM_FROM_TORCH[k]: i, o, f, c from i, f, g, o. */
    static final int[] LSTM_FROM_TORCH = {Cell.I, Cell.O, Cell.F, Cell.G};
    /** ONNX block k takes PyTorch block GRU_FROM_TORCH[k]: z, r, h from r, z, n. */
    static final int[] GRU_FROM_TORCH = {Cell.Z, Cell.R, Cell.N};

    private static final int IR_VERSION = 8;
    private static final int OPSET = 17;
    // onnx.proto TensorProto.DataType
    private static final int FLOAT = 1, INT32 = 6, DOUBLE = 11;
    // onnx.proto AttributeProto.AttributeType
    private static final int ATTR_INT = 2, ATTR_STRING = 3;

    private OnnxRnnModel() {
    }

    /** The model's bytes; weights are rounded to float32 for {@code FP32}; with {@code lengths} it takes sequence_lens. */
    public static byte[] build(LayerWeights w, Precision precision, boolean lengths) {
        LayerSpec s = w.spec();
        if (s.projSize() > 0) throw new FusedRnnException("onnx model: ONNX LSTM has no projection, found proj size " + s.projSize());
        int type = precision == Precision.FP32 ? FLOAT : DOUBLE;
        int[] order = s.cell() == Cell.LSTM ? LSTM_FROM_TORCH : GRU_FROM_TORCH;
        int h = s.hiddenSize(), rows = s.gateRows();
        double[] bias = new double[2 * rows];
        System.arraycopy(reorder(w.bIh(), order, h, 1), 0, bias, 0, rows);
        System.arraycopy(reorder(w.bHh(), order, h, 1), 0, bias, rows, rows);

        ProtoWriter node = new ProtoWriter()
                .string(1, "X").string(1, "W").string(1, "R").string(1, "B");  // input
        if (lengths) node.string(1, "sequence_lens");
        node.string(2, "Y").string(2, "Y_h");                                  // output
        if (s.cell() == Cell.LSTM) node.string(2, "Y_c");
        node.string(3, "rnn").string(4, s.cell() == Cell.LSTM ? "LSTM" : "GRU")  // name, op_type
                .message(5, intAttribute("hidden_size", h))
                .message(5, new ProtoWriter().string(1, "direction").string(4, "forward")
                        .varint(20, ATTR_STRING));
        if (s.cell() == Cell.GRU) node.message(5, intAttribute("linear_before_reset", s.linearBeforeReset() ? 1 : 0));

        ProtoWriter graph = new ProtoWriter()
                .message(1, node)
                .string(2, "fusedrnn_" + s.cell())
                .message(5, tensor("W", type, reorder(w.wIh(), order, h, s.inputSize()), 1, rows, s.inputSize()))
                .message(5, tensor("R", type, reorder(w.wHh(), order, h, s.outputSize()), 1, rows, s.outputSize()))
                .message(5, tensor("B", type, bias, 1, 2L * rows))
                .message(11, valueInfo("X", type, "T", "B", s.inputSize()));
        if (lengths) graph.message(11, valueInfo("sequence_lens", INT32, "B"));
        graph.message(12, valueInfo("Y", type, "T", 1, "B", h)).message(12, valueInfo("Y_h", type, 1, "B", h));
        if (s.cell() == Cell.LSTM) graph.message(12, valueInfo("Y_c", type, 1, "B", h));

        return new ProtoWriter()
                .varint(1, IR_VERSION)
                .string(2, "fusedrnn")
                .message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, OPSET))
                .toByteArray();
    }

    /** Rows of a [G·H, cols] matrix (or a [G·H] bias with cols = 1) with gate blocks in ONNX order. */
    static double[] reorder(double[] torch, int[] order, int h, int cols) {
        double[] out = new double[torch.length];
        int block = h * cols;
        for (int k = 0; k < order.length; k++) System.arraycopy(torch, order[k] * block, out, k * block, block);
        return out;
    }

    private static ProtoWriter intAttribute(String name, long value) {
        return new ProtoWriter().string(1, name).varint(3, value).varint(20, ATTR_INT);
    }

    private static ProtoWriter tensor(String name, int type, double[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * (type == FLOAT ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
        if (type == FLOAT) for (double v : values) raw.putFloat((float) v);
        else for (double v : values) raw.putDouble(v);
        return new ProtoWriter().packedVarints(1, dims).varint(2, type).string(8, name).bytes(9, raw.array());
    }

    /** A tensor type; each dim is an Integer (fixed size) or a String (symbolic). */
    private static ProtoWriter valueInfo(String name, int type, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            ProtoWriter dim = d instanceof String p ? new ProtoWriter().string(2, p) : new ProtoWriter().varint(1, ((Number) d).longValue());
            shape.message(1, dim);
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, type).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
}
