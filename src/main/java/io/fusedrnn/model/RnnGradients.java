package io.fusedrnn.model;

import io.fusedrnn.Gradients;
import io.fusedrnn.Tensor;

import java.util.List;

/**
 * Every gradient of a model's backward: of the input, of the initial states and, per
 * layer-direction (index {@code layer · D + direction}), of each weight. Closing closes all.
 *
 * @param dx      [T, B, I]
 * @param dh0     [L·D, B, H_out]
 * @param dc0     [L·D, B, H] for LSTM, else null
 * @param weights per layer-direction; use {@link Gradients#weight(int)} with {@code LayerWeights.NAMES}
 *                order (their dh0/dc0 are the per-sweep parts of {@code dh0}/{@code dc0})
 */
public record RnnGradients(Tensor dx, Tensor dh0, Tensor dc0, List<Gradients> weights) implements AutoCloseable {
    @Override
    public void close() {
        States.close(dx, dh0, dc0);
        for (Gradients g : weights) g.close();
    }
}
