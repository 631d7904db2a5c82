package io.fusedrnn.benchmarks.harness;

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

    /**
     * Training mode: one fresh training step (dx starting from zero) with the case's dy; returns
     * dL/dx [T, B, I] and dL/dh0 [B, H] for the correctness check.
     */
    InputGradients gradients();

    @Override
    void close();

    /** The outputs compared between contenders, in float64. */
    record Outputs(double[] y, double[] hN) {
    }

    /** The input gradients compared between contenders in training mode, in float64. */
    record InputGradients(double[] dx, double[] dh0) {
    }
}
