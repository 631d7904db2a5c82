package io.fusedrnn.benchmarks.harness;

import java.util.Locale;

/** What one timed run does: an inference forward, or a training step (forward keeping a reserve + backward). */
public enum Mode {
    INFER,
    TRAIN;

    /** FLOPs of one run as a multiple of the forward's (docs/DESIGN.md, Performance model: training is about 3x forward). */
    public int flopFactor() {
        return this == TRAIN ? 3 : 1;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
