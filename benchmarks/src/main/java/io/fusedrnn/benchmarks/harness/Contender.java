package io.fusedrnn.benchmarks.harness;

/**
 * Something timed in a benchmark: a fusedrnn backend or a peer (ONNX Runtime). It sets up one case
 * as a {@link Trial}; closing it frees what it holds across cases (a backend, a runtime).
 */
public interface Contender extends AutoCloseable {

    /** Name in tables and charts: {@code vector}, {@code onnxruntime}. */
    String name();

    /** True for peers (other libraries), false for fusedrnn backends. */
    boolean isPeer();

    /** One line on what it runs on. */
    String description();

    /** Whether it runs on this machine's CPU cores (its rows are then read against the CPU's ceilings). */
    default boolean onHostCpu() {
        return true;
    }

    /** Why this contender cannot run the case, or null when it can. */
    String cannotRun(BenchCase c);

    /** Uploads weights and inputs for one case; everything a timed run needs is made here. */
    Trial open(Problem problem);

    @Override
    void close();
}
