package io.fusedrnn;

/**
 * What a training-mode forward sweep keeps for its backward (gate activations and states per step),
 * so backward never recomputes the forward. Opaque, owned by the backend that made it.
 */
public abstract class Reserve implements AutoCloseable {
    private final PreparedLayer layer;
    private final int steps;
    private final int batch;
    private boolean closed;

    protected Reserve(PreparedLayer layer, int steps, int batch) {
        this.layer = layer;
        this.steps = steps;
        this.batch = batch;
        layer.backend().opened();
    }

    /** The layer whose forward made this reserve. */
    public final PreparedLayer layer() {
        return layer;
    }

    public final int steps() {
        return steps;
    }

    public final int batch() {
        return batch;
    }

    public final void checkOpen() {
        if (closed) throw new IllegalStateException("reserve was used after close");
    }

    @Override
    public final void close() {
        if (closed) return;
        closed = true;
        try {
            release();
        } finally {
            layer.backend().released();
        }
    }

    protected abstract void release();
}
