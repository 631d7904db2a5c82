package io.fusedrnn.bench;

import io.fusedrnn.FusedRnnException;

/** A command-line option that cannot be used: its message is the one line printed before exit 2. */
public final class BadOptionException extends FusedRnnException {
    public BadOptionException(String option, String expected, String found) {
        super(option + ": expected " + expected + ", found " + found);
    }
}
