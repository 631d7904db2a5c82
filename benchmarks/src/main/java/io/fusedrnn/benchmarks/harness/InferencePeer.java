package io.fusedrnn.benchmarks.harness;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;

/**
 * A peer that times fp32 forward inference only (ONNX Runtime, oneDNN): its name, the reasons it gives
 * for the cases it cannot run, and a setup failure as one line that names the peer.
 */
public abstract class InferencePeer implements Contender {
    private final String name, noTraining, noFp64, noLengths;

    /**
     * @param name       the peer's name in tables ({@code onnxruntime})
     * @param noTraining why it cannot run a training step
     * @param noFp64     why it cannot run fp64
     * @param noLengths  why it cannot run rows of different lengths, or null when it can
     */
    protected InferencePeer(String name, String noTraining, String noFp64, String noLengths) {
        this.name = name;
        this.noTraining = noTraining;
        this.noFp64 = noFp64;
        this.noLengths = noLengths;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean isPeer() {
        return true;
    }

    @Override
    public final String cannotRun(BenchCase c) {
        if (c.mode() == Mode.TRAIN) return noTraining;
        if (c.precision() != Precision.FP32) return noFp64;
        if (c.shape().ragged()) return noLengths;
        return null;
    }

    @Override
    public final Trial open(Problem p) {
        try {
            return openTrial(p);
        } catch (Exception e) {
            throw new FusedRnnException(name + ": " + e.getMessage(), e);
        }
    }

    /** Sets up one case (an fp32 inference the peer can run); any failure is reported by {@link #open}. */
    protected abstract Trial openTrial(Problem p) throws Exception;
}
