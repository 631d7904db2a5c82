package io.fusedrnn;

/**
 * The one exception type fusedrnn throws for bad input (shapes, files, options) and for failures of
 * a backend (an OpenCL error, a missing platform). The message is one line naming the operand, what
 * was expected and what was found.
 */
public class FusedRnnException extends RuntimeException {
    public FusedRnnException(String message) {
        super(message);
    }

    public FusedRnnException(String message, Throwable cause) {
        super(message, cause);
    }
}
