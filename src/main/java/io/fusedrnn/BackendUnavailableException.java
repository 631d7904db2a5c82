package io.fusedrnn;

/** A named backend cannot run here; the message gives the reason and the fix. */
public final class BackendUnavailableException extends FusedRnnException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
