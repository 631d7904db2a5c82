package io.fusedrnn.serve;

import java.util.concurrent.RejectedExecutionException;

/** Thrown by {@link RnnService#submit} when the bounded queue holds as many requests as it may: retry later. */
public final class QueueFullException extends RejectedExecutionException {
    /**
     * The refusal of one request.
     *
     * @param capacity the queue's capacity, named in the message
     */
    public QueueFullException(int capacity) {
        super("queue: expected fewer than " + capacity + " waiting requests, found " + capacity + " (full; retry later)");
    }
}
