package io.fusedrnn.formats.onnx;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.formats.onnx.proto.OnnxProto.AttributeProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.GraphProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.NodeProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.TensorProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.ValueInfoProto;
import io.fusedrnn.io.NdArray;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** An ONNX graph indexed for the loader: constants (initializers, Constant nodes), producers and graph inputs. */
final class OnnxGraph {
    /** What an optional node input is at run time. */
    enum Kind { ABSENT, RUNTIME, ZERO }

    private final Path file;
    private final GraphProto graph;
    private final OnnxTensors tensors;
    private final Map<String, TensorProto> constants = new HashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Set<String> inputs = new HashSet<>();

    OnnxGraph(Path file, GraphProto graph, OnnxTensors tensors) {
        this.file = file;
        this.graph = graph;
        this.tensors = tensors;
        for (TensorProto t : graph.getInitializerList()) constants.put(t.getName(), t);
        for (NodeProto n : graph.getNodeList()) {
            for (String o : n.getOutputList()) if (!o.isEmpty()) producers.put(o, n);
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) constants.put(n.getOutput(0), a.getT());
                }
            }
        }
        for (ValueInfoProto v : graph.getInputList()) if (!constants.containsKey(v.getName())) inputs.add(v.getName());
    }

    Path file() {
        return file;
    }

    GraphProto graph() {
        return graph;
    }

    /** The node that computes {@code value}, or null. */
    NodeProto producer(String value) {
        return producers.get(value);
    }

    /** Whether {@code value} is a constant (an initializer or a Constant node's output, directly or through Identity nodes). */
    boolean isConstant(String value) {
        return constants.containsKey(throughIdentities(value));
    }

    /**
     * The constant's values (an initializer or a Constant node's output, directly or through Identity
     * nodes, as exporters leave them for a weight used twice); {@code what} names it in messages.
     */
    NdArray constant(String value, String what) {
        String source = throughIdentities(value);
        TensorProto t = constants.get(source);
        if (t == null) throw new FusedRnnException(file + ": " + what + " '" + value + "': expected an initializer, found " + origin(source));
        return tensors.read(t, what + " '" + value + "'");
    }

    /** {@code value}, or what a chain of Identity nodes computing it starts from. */
    private String throughIdentities(String value) {
        String v = value;
        for (int depth = 0; depth < 32 && !constants.containsKey(v); depth++) {
            NodeProto p = producers.get(v);
            if (p == null || !p.getOpType().equals("Identity") || p.getInputCount() != 1) break;
            v = p.getInput(0);
        }
        return v;
    }

    /** Where a non-constant value comes from, for messages. */
    String origin(String value) {
        if (inputs.contains(value)) return "a graph input";
        NodeProto p = producers.get(value);
        if (p != null) return "the output of node '" + p.getName() + "' (" + p.getOpType() + ")";
        return "nothing (undefined)";
    }

    /**
     * Classifies an optional input such as initial_h: absent, given at run time (a graph input, or
     * computed from one), or a constant that must be all zeros (directly, or expanded from zeros as
     * torch.onnx.export writes it).
     */
    Kind optional(String value, String what) {
        if (value.isEmpty()) return Kind.ABSENT;
        String v = value;
        for (int depth = 0; depth < 32; depth++) {
            if (constants.containsKey(v)) {
                for (double d : constant(v, what).data()) {
                    if (d != 0) {
                        throw new FusedRnnException(file + ": " + what + " '" + value + "' is a non-zero constant: not supported"
                                + " (expected zeros, or a graph input given with the initial-state options)");
                    }
                }
                return Kind.ZERO;
            }
            if (inputs.contains(v)) return Kind.RUNTIME;
            NodeProto p = producers.get(v);
            if (p == null) throw new FusedRnnException(file + ": " + what + " '" + value + "' is not defined in the graph");
            switch (p.getOpType()) {
                case "ConstantOfShape" -> {
                    for (AttributeProto a : p.getAttributeList()) {
                        if (a.getName().equals("value") && a.hasT()) {
                            for (double d : tensors.read(a.getT(), what + " ConstantOfShape value").data()) {
                                if (d != 0) throw new FusedRnnException(file + ": " + what + " '" + value + "' is a non-zero constant: not supported");
                            }
                        }
                    }
                    return Kind.ZERO;
                }
                case "Expand", "Identity", "Unsqueeze", "Squeeze", "Reshape", "Slice", "Gather", "Transpose", "Cast", "Tile" -> {
                    if (p.getInputCount() == 0) throw new FusedRnnException(file + ": node '" + p.getName() + "' has no input");
                    v = p.getInput(0);
                }
                default -> throw new FusedRnnException(file + ": " + what + " '" + value + "' is computed by node '" + p.getName() + "' ("
                        + p.getOpType() + "): expected an initializer, zeros or a graph input");
            }
        }
        throw new FusedRnnException(file + ": " + what + " '" + value + "': too many nodes between it and its source");
    }
}
