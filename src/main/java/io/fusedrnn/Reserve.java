package io.fusedrnn;

/**
 * What a training-mode forward sweep keeps for its backward (gate activations and states per step),
 * so backward never recomputes the forward. Opaque, owned by the backend that made it.
 */
public abstract class Reserve extends BackendResource {
    private final PreparedLayer layer;
    private final int steps;
    private final int batch;

    protected Reserve(PreparedLayer layer, int steps, int batch) {
        super(layer.backend());
        this.layer = layer;
        this.steps = steps;
        this.batch = batch;
    }

    /** The layer whose forward made this reserve. */
    public final PreparedLayer layer() {
        return layer;
    }

    public final int steps() {
        return steps;
    }

    public final int batch() {
        return batch;
    }

    @Override
    protected String describe() {
        return "reserve of " + layer.spec().describe() + " T=" + steps + " B=" + batch;
    }
}
