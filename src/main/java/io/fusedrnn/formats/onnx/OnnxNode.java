package io.fusedrnn.formats.onnx;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.formats.Text;
import io.fusedrnn.formats.onnx.proto.OnnxProto.AttributeProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.NodeProto;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.model.OnnxConverter;
import io.fusedrnn.model.RnnModel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One ONNX LSTM/GRU node read into a one-layer model: its attributes checked (direction, layout,
 * hidden_size, linear_before_reset, default activations; clip, input_forget, peepholes and other
 * activations refused, each with one line naming the feature) and W, R, B converted by
 * {@link OnnxConverter}.
 */
record OnnxNode(String name, String direction, int layout, RnnModel model) {

    /** Whether {@code n} is an ONNX-domain LSTM or GRU. */
    static boolean isRnn(NodeProto n) {
        return (n.getOpType().equals("LSTM") || n.getOpType().equals("GRU")) && (n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx"));
    }

    static OnnxNode of(OnnxGraph g, NodeProto n) {
        boolean lstm = n.getOpType().equals("LSTM");
        String op = n.getOpType();
        String where = g.file() + ": node '" + Text.clean(n.getName()) + "' (" + Text.clean(op) + ")";
        String direction = "forward";
        long layout = 0, hidden = -1, lbr = 0, inputForget = 0;
        List<String> activations = null;
        Float clip = null;
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "direction" -> direction = a.getS().toString(StandardCharsets.UTF_8);
                case "layout" -> layout = a.getI();
                case "hidden_size" -> hidden = a.getI();
                case "linear_before_reset" -> {
                    if (lstm) throw new FusedRnnException(where + ": attribute linear_before_reset belongs to GRU, found on an LSTM");
                    lbr = a.getI();
                }
                case "input_forget" -> {
                    if (!lstm) throw new FusedRnnException(where + ": attribute input_forget belongs to LSTM, found on a GRU");
                    inputForget = a.getI();
                }
                case "clip" -> clip = a.getF();
                case "activations" -> {
                    activations = new ArrayList<>();
                    for (com.google.protobuf.ByteString s : a.getStringsList()) activations.add(s.toString(StandardCharsets.UTF_8));
                }
                case "activation_alpha", "activation_beta" -> { // parameters of activations; Sigmoid and Tanh take none
                }
                default -> throw new FusedRnnException(where + ": attribute '" + Text.clean(a.getName()) + "' is not supported");
            }
        }
        if (clip != null) throw new FusedRnnException(where + ": clip=" + clip + " (cell clipping) is not supported");
        if (inputForget != 0) throw new FusedRnnException(where + ": input_forget=" + inputForget + " (coupled input and forget gates) is not supported");
        if (layout != 0 && layout != 1) throw new FusedRnnException(where + ": layout: expected 0 or 1, found " + layout);
        if (lbr != 0 && lbr != 1) throw new FusedRnnException(where + ": linear_before_reset: expected 0 or 1, found " + lbr);
        int dirs = switch (direction) {
            case "forward", "reverse" -> 1;
            case "bidirectional" -> 2;
            default -> throw new FusedRnnException(where + ": direction: expected forward, reverse or bidirectional, found '" + Text.clean(direction) + "'");
        };
        if (activations != null) {
            List<String> expected = new ArrayList<>();
            for (int d = 0; d < dirs; d++) expected.addAll(lstm ? List.of("sigmoid", "tanh", "tanh") : List.of("sigmoid", "tanh"));
            List<String> found = new ArrayList<>();
            for (String s : activations) found.add(s.toLowerCase(Locale.ROOT));
            if (!found.equals(expected)) {
                throw new FusedRnnException(where + ": activations " + Text.clean(activations.toString()) + " are not supported (only the defaults " + expected + ")");
            }
        }
        if (n.getInputCount() < 3 || n.getInput(1).isEmpty() || n.getInput(2).isEmpty()) {
            throw new FusedRnnException(where + ": expected inputs X, W, R, found " + n.getInputCount());
        }
        NdArray w = g.constant(n.getInput(1), where + " W");
        NdArray r = g.constant(n.getInput(2), where + " R");
        NdArray b = input(n, 3).isEmpty() ? null : g.constant(input(n, 3), where + " B");
        g.optional(input(n, 5), where + " initial_h");
        String lens = input(n, 4);
        if (!lens.isEmpty() && g.isConstant(lens)) {
            throw new FusedRnnException(where + ": sequence_lens '" + lens + "' is a constant: not supported (give lengths at run time: --lengths)");
        }
        NdArray peep = null;
        if (lstm) {
            g.optional(input(n, 6), where + " initial_c");
            String p = input(n, 7);
            if (!p.isEmpty()) {
                if (!g.isConstant(p)) throw new FusedRnnException(where + ": peepholes P '" + p + "' come from " + g.origin(p) + ": not supported");
                peep = g.constant(p, where + " P");
            }
        }
        RnnModel m;
        try {
            m = lstm ? OnnxConverter.lstm(w, r, b, peep, null, false, direction) : OnnxConverter.gru(w, r, b, lbr == 1, null, direction);
        } catch (FusedRnnException e) {
            throw new FusedRnnException(where + ": " + e.getMessage(), e);
        }
        if (hidden >= 0 && hidden != m.config().hiddenSize()) {
            throw new FusedRnnException(where + ": hidden_size=" + hidden + " but R is " + r.shapeText() + " (H = " + m.config().hiddenSize() + ")");
        }
        return new OnnxNode(n.getName(), direction, (int) layout, m);
    }

    private static String input(NodeProto n, int i) {
        return n.getInputCount() > i ? n.getInput(i) : "";
    }
}
