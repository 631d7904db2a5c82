package io.fusedrnn;

import java.util.Arrays;

/**
 * What a training-mode forward sweep keeps for its backward (gate activations and states per step),
 * so backward never recomputes the forward. Opaque, owned by the backend that made it. It also
 * records the per-row lengths and the direction of the forward that made it ({@link Backend#forward}
 * does, for every backend), so {@link Backend#backward} can refuse a sweep that walks other steps.
 */
public abstract class Reserve extends BackendResource {
    private final PreparedLayer layer;
    private final int steps;
    private final int batch;
    private int[] lengths;
    private boolean reverse;

    protected Reserve(PreparedLayer layer, int steps, int batch) {
        super(layer.backend());
        this.layer = layer;
        this.steps = steps;
        this.batch = batch;
    }

    /** {@return the layer whose forward made this reserve} */
    public final PreparedLayer layer() {
        return layer;
    }

    /** {@return T, time steps of the forward that made this reserve} */
    public final int steps() {
        return steps;
    }

    /** {@return B, rows of the forward that made this reserve} */
    public final int batch() {
        return batch;
    }

    /** Records the sweep whose forward made this reserve (its effective lengths, B values, and direction). */
    final void recordSweep(Sweep sweep) {
        int[] len = new int[sweep.batch()];
        for (int b = 0; b < len.length; b++) len[b] = sweep.length(b);
        this.lengths = len;
        this.reverse = sweep.reverse();
    }

    /**
     * Throws unless {@code sweep} walks the steps the recorded forward walked: same direction and same
     * per-row lengths (a null lengths array counts as every row at full length T).
     */
    final void checkSweep(Sweep sweep) {
        if (lengths == null) throw new IllegalStateException("reserve: no forward sweep recorded (made outside Backend.forward)");
        if (sweep.reverse() != reverse) {
            throw new FusedRnnException("sweep: expected reverse=" + reverse + " as in the forward that made the reserve, found " + sweep.reverse());
        }
        int[] len = new int[sweep.batch()];
        for (int b = 0; b < len.length; b++) len[b] = sweep.length(b);
        if (!Arrays.equals(len, lengths)) {
            throw new FusedRnnException("lengths: expected " + Arrays.toString(lengths) + " as in the forward that made the reserve, found "
                    + Arrays.toString(len));
        }
    }

    @Override
    protected String describe() {
        return "reserve of " + layer.spec().describe() + " T=" + steps + " B=" + batch;
    }
}
