package io.fusedrnn;

/**
 * What one backward sweep returns besides dx (which it adds into the caller's tensor): the gradients
 * of the initial states and of every weight, each shaped like what it differentiates. Closing closes
 * all of them.
 *
 * @param dh0  [B, H_out]
 * @param dc0  [B, H] for LSTM, else null
 * @param dWih [G·H, I]
 * @param dWhh [G·H, H_out]
 * @param dBih [G·H]
 * @param dBhh [G·H]
 * @param dWhr [P, H] with projection, else null
 */
public record Gradients(Tensor dh0, Tensor dc0, Tensor dWih, Tensor dWhh, Tensor dBih, Tensor dBhh, Tensor dWhr)
        implements AutoCloseable {

    /**
     * Zero-filled gradients of one layer-direction for a batch, for a backward to fill: dc0 only with a
     * cell state, dWhr only with a projection.
     *
     * @param backend where the tensors live
     * @param precision their element type
     * @param spec the layer's cell and sizes
     * @param batch B, rows of the sweep
     * @return new tensors the caller closes
     */
    public static Gradients zeros(Backend backend, Precision precision, LayerSpec spec, int batch) {
        int rows = spec.gateRows();
        return new Gradients(
                backend.allocate(precision, batch, spec.outputSize()),
                spec.hasCellState() ? backend.allocate(precision, batch, spec.hiddenSize()) : null,
                backend.allocate(precision, rows, spec.inputSize()),
                backend.allocate(precision, rows, spec.outputSize()),
                backend.allocate(precision, rows),
                backend.allocate(precision, rows),
                spec.projSize() > 0 ? backend.allocate(precision, spec.projSize(), spec.hiddenSize()) : null);
    }

    /**
     * The weight gradient matching {@link LayerWeights#NAMES}[k] (null when that weight is absent).
     *
     * @param k index into {@link LayerWeights#NAMES}
     * @return the gradient tensor, or null for an absent weight
     */
    public Tensor weight(int k) {
        return switch (k) {
            case 0 -> dWih;
            case 1 -> dWhh;
            case 2 -> dBih;
            case 3 -> dBhh;
            case 4 -> dWhr;
            default -> throw new IndexOutOfBoundsException(k);
        };
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {dh0, dc0, dWih, dWhh, dBih, dBhh, dWhr}) {
            if (t != null) t.close();
        }
    }
}
