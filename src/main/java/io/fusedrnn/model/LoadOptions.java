package io.fusedrnn.model;

/**
 * How {@link RnnModel#load(java.nio.file.Path, LoadOptions)} picks the RNN inside a model file:
 * {@code prefix} selects a state_dict's keys (PyTorch, e.g. {@code encoder.rnn.}), {@code node} an
 * ONNX node by name. Either may be null: the loader then finds the only RNN in the file.
 *
 * @param prefix start of the wanted RNN's state_dict keys, or null
 * @param node name of the wanted ONNX node, or null
 */
public record LoadOptions(String prefix, String node) {

    /**
     * Find the only RNN in the file.
     *
     * @return options that ask for the only RNN in the file
     */
    public static LoadOptions defaults() {
        return new LoadOptions(null, null);
    }

    /**
     * The RNN whose keys start with {@code prefix}.
     *
     * @param prefix start of the keys, e.g. {@code encoder.rnn.}
     * @return options that select by key prefix
     */
    public static LoadOptions prefix(String prefix) {
        return new LoadOptions(prefix, null);
    }

    /**
     * The ONNX node named {@code node}.
     *
     * @param node the node's name in the graph
     * @return options that select an ONNX node
     */
    public static LoadOptions node(String node) {
        return new LoadOptions(null, node);
    }
}
