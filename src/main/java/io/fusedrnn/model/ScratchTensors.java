package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;

/**
 * A few tensors kept for reuse by shape, most recently returned first: a server whose sweeps repeat
 * a handful of shapes takes its scratch outputs from here instead of allocating (and zeroing) them
 * every call. Thread-safe; a tensor is held by one caller between {@link #take} and {@link #giveBack}.
 */
final class ScratchTensors implements AutoCloseable {
    private final int capacity;
    private final long maxBytes;
    private final ArrayDeque<Tensor> free = new ArrayDeque<>();
    private boolean closed;

    /**
     * @param capacity most tensors kept
     * @param maxBytes larger tensors are closed when given back, not kept
     */
    ScratchTensors(int capacity, long maxBytes) {
        this.capacity = capacity;
        this.maxBytes = maxBytes;
    }

    /** A kept tensor of exactly this shape, or a new one (contents undefined: the caller overwrites them). */
    Tensor take(Backend backend, Precision precision, int... shape) {
        synchronized (this) {
            for (Iterator<Tensor> it = free.iterator(); it.hasNext(); ) {
                Tensor t = it.next();
                if (t.precision() == precision && Arrays.equals(t.shape(), shape)) {
                    it.remove();
                    return t;
                }
            }
        }
        return backend.allocate(precision, shape);
    }

    /** Keeps {@code t} for a later {@link #take}, dropping (closing) the least recently kept one beyond capacity. */
    void giveBack(Tensor t) {
        Tensor drop = null;
        synchronized (this) {
            if (closed || t.size() * t.elementLayout().byteSize() > maxBytes) {
                drop = t;
            } else {
                free.addFirst(t);
                if (free.size() > capacity) drop = free.removeLast();
            }
        }
        if (drop != null) drop.close();
    }

    /** Closes the kept tensors; tensors given back later are closed at once. */
    @Override
    public void close() {
        Tensor[] kept;
        synchronized (this) {
            closed = true;
            kept = free.toArray(Tensor[]::new);
            free.clear();
        }
        States.close(kept);
    }
}
