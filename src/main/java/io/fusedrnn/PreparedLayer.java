package io.fusedrnn;

/**
 * One layer-direction's weights uploaded and packed by a backend ({@link Backend#prepare}), ready for
 * any number of sweeps. Immutable once prepared; closing frees the packed copy.
 */
public abstract class PreparedLayer extends BackendResource {
    private final LayerSpec spec;
    private final Precision precision;

    protected PreparedLayer(Backend backend, LayerSpec spec, Precision precision) {
        super(backend);
        this.spec = spec;
        this.precision = precision;
    }

    /** {@return the cell and sizes of the layer} */
    public final LayerSpec spec() {
        return spec;
    }

    /** {@return the element type the layer computes in} */
    public final Precision precision() {
        return precision;
    }

    @Override
    protected String describe() {
        return "prepared layer " + spec.describe() + " (" + precision + ")";
    }
}
