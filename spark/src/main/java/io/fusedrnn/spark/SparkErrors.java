package io.fusedrnn.spark;

import io.fusedrnn.FusedRnnException;

/**
 * Finds the failure a user should read inside Spark's wrapping: a task's {@link FusedRnnException}
 * reaches the driver as the cause of a {@code SparkException} ("Job aborted due to stage failure ...").
 */
public final class SparkErrors {
    private SparkErrors() {
    }

    /** The innermost {@link FusedRnnException} in the cause chain, else {@code e} itself. */
    public static Throwable cause(Throwable e) {
        Throwable found = null;
        for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof FusedRnnException) found = t;
        }
        return found != null ? found : e;
    }

    /** The first line of a throwable's message (Spark's messages go on for pages). */
    public static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
