package io.fusedrnn;

/** A named backend cannot run here; the message gives the reason and the fix. */
public final class BackendUnavailableException extends FusedRnnException {
    /**
     * A backend that cannot open here, with its one-line reason.
     *
     * @param message one line naming the backend and why it cannot run here
     */
    public BackendUnavailableException(String message) {
        super(message);
    }

    /**
     * A backend that cannot open here, with its one-line reason and the failure underneath it.
     *
     * @param message one line naming the backend and why it cannot run here
     * @param cause the failure underneath (a driver or loader error)
     */
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
