package io.fusedrnn.benchmarks.harness;

import io.fusedrnn.LayerSpec;
import io.fusedrnn.Precision;

/** One cell of the benchmark grid: which layer, at which size, precision and mode. */
public record BenchCase(BenchCell cell, BenchShape shape, Precision precision, Mode mode) {

    /** The layer: one unidirectional layer, no projection; GRU linear-before-reset unless {@code gru-rb}. */
    public LayerSpec spec() {
        return cell.spec(shape.inputSize(), shape.hiddenSize());
    }

    /**
     * FLOPs of one timed run (training counts 3x the forward, as docs/DESIGN.md, Performance model
     * does); a ragged shape counts only its real steps.
     */
    public double flops() {
        double real = (double) shape.realSteps() / ((long) shape.steps() * shape.batch());
        return spec().forwardFlops(shape.steps(), shape.batch()) * mode.flopFactor() * real;
    }

    /** {@code lstm latency}. */
    public String label() {
        return cell + " " + shape.name();
    }
}
