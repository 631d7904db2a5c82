package io.fusedrnn;

/**
 * One layer-direction's weights uploaded and packed by a backend ({@link Backend#prepare}), ready for
 * any number of sweeps. Immutable once prepared; closing frees the packed copy.
 */
public abstract class PreparedLayer implements AutoCloseable {
    private final Backend backend;
    private final LayerSpec spec;
    private final Precision precision;
    private boolean closed;

    protected PreparedLayer(Backend backend, LayerSpec spec, Precision precision) {
        this.backend = backend;
        this.spec = spec;
        this.precision = precision;
        backend.opened();
    }

    public final Backend backend() {
        return backend;
    }

    public final LayerSpec spec() {
        return spec;
    }

    public final Precision precision() {
        return precision;
    }

    public final boolean isClosed() {
        return closed;
    }

    public final void checkOpen() {
        if (closed) throw new IllegalStateException("prepared layer " + spec.describe() + " was used after close");
    }

    @Override
    public final void close() {
        if (closed) return;
        closed = true;
        try {
            release();
        } finally {
            backend.released();
        }
    }

    /** Frees what the backend holds for these weights; called once. */
    protected abstract void release();
}
