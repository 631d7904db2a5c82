package io.fusedrnn;

/**
 * What a backend hands out that holds its memory (tensors, prepared layers, reserves): counted as
 * live by the backend until closed; closing twice is harmless; use after close is an
 * {@link IllegalStateException} naming the object.
 */
public abstract class BackendResource implements AutoCloseable {
    private final Backend backend;
    private volatile boolean closed;

    BackendResource(Backend backend) {
        this.backend = backend;
        backend.opened();
    }

    /** {@return the backend whose memory holds this object} */
    public final Backend backend() {
        return backend;
    }

    /** {@return whether {@code close()} has run} */
    public final boolean isClosed() {
        return closed;
    }

    /** Throws {@link IllegalStateException} when closed. */
    public final void checkOpen() {
        if (closed) throw new IllegalStateException(describe() + " was used after close");
    }

    @Override
    public final void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        try {
            release();
        } finally {
            backend.released();
        }
    }

    /** Names the object in messages, e.g. "tensor [2, 3]". */
    protected abstract String describe();

    /** Frees the storage; called once. */
    protected abstract void release();
}
