package io.fusedrnn.formats.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.fusedrnn.Cell;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.formats.Text;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.formats.onnx.proto.OnnxProto.ModelProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.NodeProto;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.ModelSource;
import io.fusedrnn.model.OnnxConverter;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads the LSTM/GRU node(s) of an ONNX model: one node chosen with {@link LoadOptions#node()}, the
 * only one, or several that chain into one stack (as {@code torch.onnx.export} writes a multi-layer
 * RNN: each node's X is the previous node's Y through layout-only ops). Weights must be initializers
 * (or Constant nodes), directly or through Identity nodes, inline or in external data files; initial states must be absent, zeros or
 * graph inputs (given at run time); {@code sequence_lens} must be a graph input or absent. Each
 * unsupported feature is refused with one line naming it ({@link OnnxNode}).
 */
public final class OnnxLoader {
    /** The largest ModelProto read (protobuf's own limit for one message). */
    static final long MAX_MODEL_BYTES = Integer.MAX_VALUE;
    private static final Set<String> GLUE = Set.of("Transpose", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Cast", "Flatten");

    private OnnxLoader() {
    }

    /**
     * Loads the RNN of {@code file} as {@code options.node()} selects.
     *
     * @param file the .onnx file
     * @param options which node to take when there are several
     * @return the model
     */
    public static RnnModel load(Path file, LoadOptions options) {
        ModelProto model = parse(file);
        if (!model.hasGraph()) throw new FusedRnnException(file + ": not an ONNX model: no graph (expected a ModelProto with a graph)");
        OnnxGraph g = new OnnxGraph(file, model.getGraph(), new OnnxTensors(file));
        List<NodeProto> rnns = new ArrayList<>();
        for (NodeProto n : g.graph().getNodeList()) {
            if (OnnxNode.isRnn(n)) rnns.add(n);
        }
        if (rnns.isEmpty()) {
            Set<String> ops = new LinkedHashSet<>();
            for (NodeProto n : g.graph().getNodeList()) if (ops.size() < 20) ops.add(Text.clean(n.getOpType()));
            throw new FusedRnnException(file + ": no LSTM or GRU node (expected one; found " + (ops.isEmpty() ? "no nodes" : "ops " + ops) + ")");
        }
        List<NodeProto> chosen;
        if (options.node() != null) {
            NodeProto pick = null;
            for (NodeProto n : rnns) if (n.getName().equals(options.node())) pick = n;
            if (pick == null) throw new FusedRnnException(file + ": no LSTM/GRU node named '" + Text.clean(options.node()) + "' (nodes: " + names(rnns) + ")");
            chosen = List.of(pick);
        } else if (rnns.size() == 1) {
            chosen = rnns;
        } else {
            chosen = chain(g, rnns);
        }
        List<OnnxNode> nodes = new ArrayList<>();
        for (NodeProto n : chosen) nodes.add(OnnxNode.of(g, n));
        return stack(file, nodes);
    }

    private static ModelProto parse(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new FusedRnnException(file + ": no such file", e);
        } catch (IOException e) {
            throw new FusedRnnException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (size > MAX_MODEL_BYTES) {
            throw new FusedRnnException(file + ": " + size + " bytes, more than protobuf's 2 GiB limit (large models keep weights in external data files)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream c = CodedInputStream.newInstance(in);
            c.setSizeLimit((int) Math.max(size, 1));
            c.setRecursionLimit(64);
            ModelProto m = ModelProto.parseFrom(c);
            c.checkLastTagWas(0);
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new FusedRnnException(file + ": not a valid ONNX ModelProto (" + oneLine(e.getMessage()) + ")", e);
        } catch (IOException e) {
            throw new FusedRnnException(file + ": cannot read (" + oneLine(e.getMessage()) + ")", e);
        } catch (RuntimeException e) {
            throw new FusedRnnException(file + ": not a valid ONNX ModelProto (" + oneLine(String.valueOf(e.getMessage())) + ")", e);
        }
    }

    /** Orders RNN nodes so each one's X comes from the previous one's Y; else asks for --node. */
    private static List<NodeProto> chain(OnnxGraph g, List<NodeProto> rnns) {
        Map<String, NodeProto> byY = new HashMap<>();
        for (NodeProto n : rnns) if (n.getOutputCount() > 0 && !n.getOutput(0).isEmpty()) byY.put(n.getOutput(0), n);
        Map<NodeProto, NodeProto> prev = new HashMap<>();
        NodeProto first = null;
        for (NodeProto n : rnns) {
            NodeProto p = n.getInputCount() > 0 ? feeder(g, n.getInput(0), byY) : null;
            if (p == null) {
                if (first != null) throw notChained(g, rnns);
                first = n;
            } else if (prev.containsValue(p)) {
                throw notChained(g, rnns);
            } else {
                prev.put(n, p);
            }
        }
        if (first == null) throw notChained(g, rnns);
        List<NodeProto> order = new ArrayList<>(List.of(first));
        while (order.size() < rnns.size()) {
            NodeProto last = order.get(order.size() - 1), next = null;
            for (Map.Entry<NodeProto, NodeProto> e : prev.entrySet()) if (e.getValue() == last) next = e.getKey();
            if (next == null) throw notChained(g, rnns);
            order.add(next);
        }
        return order;
    }

    /** The RNN node whose Y reaches {@code value} through layout-only ops, or null. */
    private static NodeProto feeder(OnnxGraph g, String value, Map<String, NodeProto> byY) {
        String v = value;
        for (int depth = 0; depth < 16; depth++) {
            if (byY.containsKey(v)) return byY.get(v);
            NodeProto p = g.producer(v);
            if (p == null || !GLUE.contains(p.getOpType()) || p.getInputCount() == 0) return null;
            v = p.getInput(0);
        }
        return null;
    }

    private static FusedRnnException notChained(OnnxGraph g, List<NodeProto> rnns) {
        return new FusedRnnException(g.file() + ": " + rnns.size() + " LSTM/GRU nodes that do not chain into one stack; choose one with --node ("
                + names(rnns) + ")");
    }

    /** Stacks chained single-layer nodes into one model; every layer must agree on cell, H and direction. */
    private static RnnModel stack(Path file, List<OnnxNode> nodes) {
        OnnxNode f = nodes.get(0);
        List<LayerWeights> weights = new ArrayList<>();
        boolean bias = false;
        for (int k = 0; k < nodes.size(); k++) {
            OnnxNode n = nodes.get(k);
            RnnConfig c = n.model().config();
            RnnConfig c0 = f.model().config();
            if (k > 0) {
                String why = null;
                if (c.cell() != c0.cell()) why = "cell " + c.cell() + " after " + c0.cell();
                else if (c.hiddenSize() != c0.hiddenSize()) why = "hidden_size " + c.hiddenSize() + " after " + c0.hiddenSize();
                else if (c.bidirectional() != c0.bidirectional() || c.reverse() != c0.reverse()) why = "direction " + n.direction() + " after " + f.direction();
                else if (c.linearBeforeReset() != c0.linearBeforeReset()) why = "linear_before_reset differs";
                else if (n.layout() != f.layout()) why = "layout " + n.layout() + " after " + f.layout();
                else if (c.inputSize() != c0.outputWidth()) why = "input size " + c.inputSize() + ", expected " + c0.outputWidth() + " (the previous Y)";
                if (why != null) {
                    throw new FusedRnnException(file + ": node '" + n.name() + "' does not stack on '" + nodes.get(k - 1).name() + "': " + why
                            + "; choose one node with --node");
                }
            }
            bias |= c.bias();
            weights.addAll(n.model().weights());
        }
        RnnConfig c0 = f.model().config();
        RnnConfig config = new RnnConfig(c0.cell(), c0.inputSize(), c0.hiddenSize(), 0, nodes.size(), c0.bidirectional(),
                c0.cell() == Cell.GRU ? c0.linearBeforeReset() : true, bias, c0.reverse());
        List<String> names = new ArrayList<>();
        for (OnnxNode n : nodes) names.add("'" + n.name() + "'");
        return new RnnModel(config, weights, new ModelSource("ONNX", file + " node" + (names.size() > 1 ? "s " : " ") + String.join(", ", names),
                f.layout() == 1));
    }

    private static String names(List<NodeProto> nodes) {
        List<String> out = new ArrayList<>();
        for (NodeProto n : nodes) out.add("'" + Text.clean(n.getName()) + "' (" + Text.clean(n.getOpType()) + ")");
        return String.join(", ", out);
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
