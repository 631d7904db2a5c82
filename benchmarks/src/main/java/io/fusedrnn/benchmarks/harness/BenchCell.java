package io.fusedrnn.benchmarks.harness;

import io.fusedrnn.LayerSpec;

import java.util.Locale;

/**
 * The layers bench times: LSTM, the GRU of PyTorch (linear before reset, the default) and the GRU of
 * ONNX's {@code linear_before_reset=0} and Keras's {@code reset_after=False} (reset before the
 * recurrent product; oneDNN's {@code vanilla_gru}).
 */
public enum BenchCell {
    LSTM("lstm"),
    GRU("gru"),
    GRU_RB("gru-rb");

    private final String label;

    BenchCell(String label) {
        this.label = label;
    }

    /** One unidirectional layer of this cell, no projection. */
    public LayerSpec spec(int inputSize, int hiddenSize) {
        return switch (this) {
            case LSTM -> LayerSpec.lstm(inputSize, hiddenSize);
            case GRU -> LayerSpec.gru(inputSize, hiddenSize, true);
            case GRU_RB -> LayerSpec.gru(inputSize, hiddenSize, false);
        };
    }

    /**
     * The cell named {@code lstm}, {@code gru} or {@code gru-rb} (any case).
     *
     * @throws IllegalArgumentException for another name
     */
    public static BenchCell parse(String name) {
        for (BenchCell c : values()) if (c.label.equals(name.trim().toLowerCase(Locale.ROOT))) return c;
        throw new IllegalArgumentException("'" + name.trim() + "'");
    }

    @Override
    public String toString() {
        return label;
    }
}
