package io.fusedrnn.model;

import io.fusedrnn.Cell;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerSpec;

/**
 * The shape of a stacked RNN, as PyTorch's {@code nn.LSTM}/{@code nn.GRU} arguments: cell, input
 * size, hidden size, {@code proj_size} (LSTM), {@code num_layers}, {@code bidirectional}, the GRU
 * variant and whether the weights have biases (without, the biases are zeros). {@code reverse}
 * (ONNX {@code direction="reverse"}) makes a unidirectional model run every layer from the last
 * step to the first.
 *
 * @param cell LSTM or GRU
 * @param inputSize I, features of each input row
 * @param hiddenSize H
 * @param projSize P for an LSTM with projection, else 0
 * @param numLayers L, stacked layers
 * @param bidirectional whether each layer also runs backwards in time
 * @param linearBeforeReset the GRU variant (always true for LSTM)
 * @param bias whether the weights have biases
 * @param reverse whether a unidirectional model runs from the last step to the first
 */
public record RnnConfig(Cell cell, int inputSize, int hiddenSize, int projSize, int numLayers,
                        boolean bidirectional, boolean linearBeforeReset, boolean bias, boolean reverse) {

    /** Checks the sizes and layers; an LSTM's {@code linearBeforeReset} is set to true, and reverse with bidirectional is refused. */
    public RnnConfig {
        if (numLayers < 1) throw new FusedRnnException("num_layers: expected >= 1, found " + numLayers);
        new LayerSpec(cell, inputSize, hiddenSize, projSize, linearBeforeReset); // validates the rest
        if (cell == Cell.LSTM) linearBeforeReset = true;
        if (reverse && bidirectional) throw new FusedRnnException("reverse: a bidirectional model already runs both ways; expected reverse=false");
    }

    /**
     * A forward (or bidirectional) model, as PyTorch's arguments.
     *
     * @param cell LSTM or GRU
     * @param inputSize I, features of each input row
     * @param hiddenSize H
     * @param projSize P for an LSTM with projection, else 0
     * @param numLayers L, stacked layers
     * @param bidirectional whether each layer also runs backwards in time
     * @param linearBeforeReset the GRU variant (ignored for LSTM)
     * @param bias whether the weights have biases
     */
    public RnnConfig(Cell cell, int inputSize, int hiddenSize, int projSize, int numLayers,
                     boolean bidirectional, boolean linearBeforeReset, boolean bias) {
        this(cell, inputSize, hiddenSize, projSize, numLayers, bidirectional, linearBeforeReset, bias, false);
    }

    /**
     * An LSTM (P = 0 for no projection).
     *
     * @param inputSize I, features of each input row
     * @param hiddenSize H
     * @param projSize P, or 0 for none
     * @param numLayers L, stacked layers
     * @param bidirectional whether each layer also runs backwards in time
     * @return the config, with biases
     */
    public static RnnConfig lstm(int inputSize, int hiddenSize, int projSize, int numLayers, boolean bidirectional) {
        return new RnnConfig(Cell.LSTM, inputSize, hiddenSize, projSize, numLayers, bidirectional, true, true);
    }

    /**
     * A GRU, PyTorch's linear-before-reset variant when the flag is true.
     *
     * @param inputSize I, features of each input row
     * @param hiddenSize H
     * @param numLayers L, stacked layers
     * @param bidirectional whether each layer also runs backwards in time
     * @param linearBeforeReset true for PyTorch's variant
     * @return the config, with biases
     */
    public static RnnConfig gru(int inputSize, int hiddenSize, int numLayers, boolean bidirectional, boolean linearBeforeReset) {
        return new RnnConfig(Cell.GRU, inputSize, hiddenSize, 0, numLayers, bidirectional, linearBeforeReset, true);
    }

    /** {@return d: 2 when bidirectional, else 1} */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** {@return h_out: P with projection, else H} */
    public int outputSize() {
        return projSize > 0 ? projSize : hiddenSize;
    }

    /** {@return number of layer-directions, L·D (rows of h_n)} */
    public int sweeps() {
        return numLayers * directions();
    }

    /** {@return width of y: D·H_out} */
    public int outputWidth() {
        return directions() * outputSize();
    }

    /**
     * {@return the spec of layer k (its input is x for k = 0, else the previous layer's y of width D·H_out)}
     *
     * @param layer layer index k, 0-based
     */
    public LayerSpec layerSpec(int layer) {
        int in = layer == 0 ? inputSize : outputWidth();
        return new LayerSpec(cell, in, hiddenSize, projSize, linearBeforeReset);
    }

    /**
     * The components, as a record prints them, except {@code linearBeforeReset} for an LSTM: it is a GRU
     * variant, held true for an LSTM only so that equal LSTM configs compare equal.
     */
    @Override
    public String toString() {
        return "RnnConfig[cell=" + cell + ", inputSize=" + inputSize + ", hiddenSize=" + hiddenSize + ", projSize=" + projSize
                + ", numLayers=" + numLayers + ", bidirectional=" + bidirectional
                + (cell == Cell.GRU ? ", linearBeforeReset=" + linearBeforeReset : "") + ", bias=" + bias + "]";
    }

    /** {@return a short description such as {@code lstm I=5 H=8 P=3 layers=2 bidirectional}} */
    public String describe() {
        return new LayerSpec(cell, inputSize, hiddenSize, projSize, linearBeforeReset).describe()
                + " layers=" + numLayers + (bidirectional ? " bidirectional" : "") + (reverse ? " reverse" : "") + (bias ? "" : " bias=False");
    }
}
