package io.fusedrnn.bench;

/** One contender set up for one case: weights prepared, inputs uploaded, outputs allocated. */
public interface Trial extends AutoCloseable {

    /** Runs one inference forward and returns y [T, B, H] and h_n [B, H], for the correctness check. */
    Outputs outputs();

    /**
     * One timed unit: an inference forward, or a training step (forward with a reserve + backward with
     * the case's dy), ending with a result on the host (h_n, or dh0, read back), so an asynchronous
     * device cannot return early.
     */
    void run();

    @Override
    void close();

    /** The outputs compared between contenders, in float64. */
    record Outputs(double[] y, double[] hN) {
    }
}
