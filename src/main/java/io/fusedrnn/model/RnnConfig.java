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
 */
public record RnnConfig(Cell cell, int inputSize, int hiddenSize, int projSize, int numLayers,
                        boolean bidirectional, boolean linearBeforeReset, boolean bias, boolean reverse) {

    public RnnConfig {
        if (numLayers < 1) throw new FusedRnnException("num_layers: expected >= 1, found " + numLayers);
        new LayerSpec(cell, inputSize, hiddenSize, projSize, linearBeforeReset); // validates the rest
        if (cell == Cell.LSTM) linearBeforeReset = true;
        if (reverse && bidirectional) throw new FusedRnnException("reverse: a bidirectional model already runs both ways; expected reverse=false");
    }

    /** A forward (or bidirectional) model, as PyTorch's arguments. */
    public RnnConfig(Cell cell, int inputSize, int hiddenSize, int projSize, int numLayers,
                     boolean bidirectional, boolean linearBeforeReset, boolean bias) {
        this(cell, inputSize, hiddenSize, projSize, numLayers, bidirectional, linearBeforeReset, bias, false);
    }

    /** An LSTM (P = 0 for no projection). */
    public static RnnConfig lstm(int inputSize, int hiddenSize, int projSize, int numLayers, boolean bidirectional) {
        return new RnnConfig(Cell.LSTM, inputSize, hiddenSize, projSize, numLayers, bidirectional, true, true);
    }

    /** A GRU, PyTorch's linear-before-reset variant when the flag is true. */
    public static RnnConfig gru(int inputSize, int hiddenSize, int numLayers, boolean bidirectional, boolean linearBeforeReset) {
        return new RnnConfig(Cell.GRU, inputSize, hiddenSize, 0, numLayers, bidirectional, linearBeforeReset, true);
    }

    /** D: 2 when bidirectional, else 1. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** H_out: P with projection, else H. */
    public int outputSize() {
        return projSize > 0 ? projSize : hiddenSize;
    }

    /** Number of layer-directions, L·D (rows of h_n). */
    public int sweeps() {
        return numLayers * directions();
    }

    /** Width of y: D·H_out. */
    public int outputWidth() {
        return directions() * outputSize();
    }

    /** The spec of layer k (its input is x for k = 0, else the previous layer's y of width D·H_out). */
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

    /** A short description such as {@code lstm I=5 H=8 P=3 layers=2 bidirectional}. */
    public String describe() {
        return new LayerSpec(cell, inputSize, hiddenSize, projSize, linearBeforeReset).describe()
                + " layers=" + numLayers + (bidirectional ? " bidirectional" : "") + (reverse ? " reverse" : "") + (bias ? "" : " bias=False");
    }
}
