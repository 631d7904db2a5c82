package io.fusedrnn;

/**
 * The one exception type fusedrnn throws for bad input (shapes, files, options) and for failures of
 * a backend (an OpenCL error, a missing platform). The message is one line naming the operand, what
 * was expected and what was found.
 */
public class FusedRnnException extends RuntimeException {
    /**
     * An error with its one-line message.
     *
     * @param message one line: the operand or file, what was expected and what was found
     */
    public FusedRnnException(String message) {
        super(message);
    }

    /**
     * An error with its one-line message and the failure underneath it.
     *
     * @param message one line: the operand or file, what was expected and what was found
     * @param cause the lower-level failure (an I/O or parser error)
     */
    public FusedRnnException(String message, Throwable cause) {
        super(message, cause);
    }
}
