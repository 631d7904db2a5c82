package io.fusedrnn;

import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Where LSTM/GRU sweeps run: {@code reference} (scalar oracle), {@code vector} (Vector API) or
 * {@code opencl} (JOCL). One call runs one layer-direction over all T steps; stacking, directions,
 * importers and selection live above ({@code io.fusedrnn.model}, {@link Backends}).
 *
 * <p>The public methods check every operand once, here, and then call the backend's {@code do…}
 * methods, which may assume well-formed input. Tensors and prepared layers belong to the backend
 * that made them. A backend that cannot run a case throws; it never returns zeros.
 *
 * <p>Threads: a backend and everything it made may be shared between threads. Sweeps and prepares
 * on one backend run one at a time (each already uses all the backend's cores or its device); for
 * parallel throughput open one backend per thread. Results do not depend on the thread that asks.
 */
public abstract class Backend implements AutoCloseable {
    /** For the backends of this library (reference, vector, opencl); each opens its own resources. */
    protected Backend() {
    }

    private volatile boolean closed;
    private final AtomicLong live = new AtomicLong();

    /**
     * Short name: {@code reference}, {@code vector}, {@code opencl}.
     *
     * @return the name {@code --backend} accepts
     */
    public abstract String name();

    /**
     * One line on what it runs on (CPU and threads, or the OpenCL device).
     *
     * @return a one-line description for logs and {@code devices}
     */
    public abstract String description();

    /**
     * Whether its sweeps run on this machine's CPU cores (false for an OpenCL GPU or accelerator):
     * benchmarks read a rate against the CPU's ceilings only where it is.
     *
     * @return true unless the backend runs on another device
     */
    public boolean runsOnHostCpu() {
        return true;
    }

    /**
     * Whether tensors and sweeps of this precision can run here: every precision, unless a backend
     * says otherwise (OpenCL fp64 needs cl_khr_fp64).
     *
     * @param precision the element type asked about
     * @return true when {@link #allocate} and {@link #prepare} accept it
     */
    public boolean supports(Precision precision) {
        return true;
    }

    /**
     * A zero-filled tensor of the given shape.
     *
     * @param precision element type of the tensor
     * @param shape     dimensions, outermost first (e.g. T, B, I)
     * @return a new tensor owned by this backend; close it when done
     */
    public final Tensor allocate(Precision precision, int... shape) {
        checkOpen();
        checkPrecision(precision, "tensor");
        return newTensor(precision, shape.clone());
    }

    /**
     * A tensor holding a copy of {@code data} (rounded to float32 in an fp32 tensor).
     *
     * @param precision element type of the tensor
     * @param data      values in row-major order, as many as the shape holds
     * @param shape     dimensions, outermost first
     * @return a new tensor owned by this backend; close it when done
     */
    public final Tensor upload(Precision precision, double[] data, int... shape) {
        return upload(precision, data, shape, t -> t.write(data));
    }

    /**
     * A tensor holding a copy of {@code data}: straight into fp32, widened into fp64.
     *
     * @param precision element type of the tensor
     * @param data      values in row-major order, as many as the shape holds
     * @param shape     dimensions, outermost first
     * @return a new tensor owned by this backend; close it when done
     */
    public final Tensor upload(Precision precision, float[] data, int... shape) {
        return upload(precision, data, shape, t -> t.write(data));
    }

    /**
     * A tensor holding a copy of the buffer's remaining values (its position does not move).
     *
     * @param precision element type of the tensor
     * @param data      values in row-major order from its position, as many as the shape holds
     * @param shape     dimensions, outermost first
     * @return a new tensor owned by this backend; close it when done
     */
    public final Tensor upload(Precision precision, FloatBuffer data, int... shape) {
        return upload(precision, data, shape, t -> t.write(data));
    }

    /**
     * A tensor holding a copy of a segment of {@code precision}'s element type in native byte order
     * ({@link Tensor#layout}: float for FP32, double for FP64), e.g. a memory-mapped file, copied
     * without conversion.
     *
     * @param precision element type of the tensor, and of the segment's values
     * @param data      values in row-major order, exactly as many bytes as the shape holds
     * @param shape     dimensions, outermost first
     * @return a new tensor owned by this backend; close it when done
     */
    public final Tensor upload(Precision precision, MemorySegment data, int... shape) {
        return upload(precision, data, shape, t -> t.write(data));
    }

    private Tensor upload(Precision precision, Object data, int[] shape, Consumer<Tensor> fill) {
        if (data == null) throw new FusedRnnException("upload: expected data for a tensor " + Arrays.toString(shape) + ", found null");
        Tensor t = allocate(precision, shape);
        try {
            fill.accept(t);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /**
     * Uploads and packs one layer-direction's weights once, for any number of sweeps.
     *
     * @param weights   one layer-direction's matrices and biases (checked against their spec)
     * @param precision element type the sweeps will compute in
     * @return the packed layer; close it when done
     */
    public final PreparedLayer prepare(LayerWeights weights, Precision precision) {
        checkOpen();
        checkPrecision(precision, "weights");
        synchronized (this) {
            return doPrepare(weights, precision);
        }
    }

    /**
     * Runs one layer-direction over all T steps. Writes y[t, b, yColumn .. yColumn+H_out) (zero where
     * t &ge; lengths[b]) and returns h_n, c_n and, when {@code training}, the reserve for backward.
     *
     * @param layer    a layer this backend prepared
     * @param sweep    inputs, initial states, lengths and direction of the run
     * @param y       output [T, B, W] with yColumn + H_out &le; W (bidirectional layers share one y)
     * @param yColumn first column this direction writes
     * @param training whether to keep the reserve that {@link #backward} needs
     * @return h_n, c_n (LSTM) and the reserve (null unless {@code training})
     */
    public final SweepResult forward(PreparedLayer layer, Sweep sweep, Tensor y, int yColumn, boolean training) {
        checkOpen();
        checkLayer(layer);
        checkSweep(layer, sweep);
        checkColumns("y", layer, sweep, y, yColumn);
        SweepResult r;
        synchronized (this) {
            r = doForward(layer, sweep, y, yColumn, training);
        }
        if (r.reserve() != null) r.reserve().recordSweep(sweep);
        return r;
    }

    /**
     * Backpropagates one sweep through time from its reserve. Adds dL/dx into {@code dx} (so two
     * directions reading one input accumulate) and returns the other gradients. The sweep must walk
     * the steps of the forward that made the reserve: same T, B, direction and per-row lengths.
     *
     * @param layer    the layer of the forward that made {@code reserve}
     * @param sweep    the forward's sweep (same inputs, lengths and direction)
     * @param reserve  what the training-mode forward kept
     * @param dy       dL/dy [T, B, W], this direction's columns from {@code dyColumn}
     * @param dyColumn first column of {@code dy} that belongs to this direction
     * @param dhN      dL/dh_n [B, H_out], or null for zeros
     * @param dcN      dL/dc_n [B, H] (LSTM), or null for zeros
     * @param dx       [T, B, I], added into
     * @return dL/dh0, dL/dc0 and the weight and bias gradients
     */
    public final Gradients backward(PreparedLayer layer, Sweep sweep, Reserve reserve, Tensor dy, int dyColumn,
                                    Tensor dhN, Tensor dcN, Tensor dx) {
        checkOpen();
        checkLayer(layer);
        checkSweep(layer, sweep);
        if (reserve == null) throw new FusedRnnException("reserve: expected the reserve of a training-mode forward, found null");
        reserve.checkOpen();
        if (reserve.layer() != layer) throw new FusedRnnException("reserve: expected one made by a forward of this layer, found one of another layer");
        if (reserve.steps() != sweep.steps() || reserve.batch() != sweep.batch()) {
            throw new FusedRnnException("reserve: expected T=" + sweep.steps() + " B=" + sweep.batch()
                    + ", found T=" + reserve.steps() + " B=" + reserve.batch());
        }
        reserve.checkSweep(sweep);
        checkColumns("dy", layer, sweep, dy, dyColumn);
        LayerSpec s = layer.spec();
        checkState("dh_n", dhN, layer, sweep.batch(), s.outputSize());
        if (s.hasCellState()) checkState("dc_n", dcN, layer, sweep.batch(), s.hiddenSize());
        else if (dcN != null) throw new FusedRnnException("dc_n: expected none for GRU, found " + dcN);
        checkTensor("dx", dx, layer, sweep.steps(), sweep.batch(), s.inputSize());
        synchronized (this) {
            return doBackward(layer, sweep, reserve, dy, dyColumn, dhN, dcN, dx);
        }
    }

    protected abstract Tensor newTensor(Precision precision, int[] shape);

    protected abstract PreparedLayer doPrepare(LayerWeights weights, Precision precision);

    protected abstract SweepResult doForward(PreparedLayer layer, Sweep sweep, Tensor y, int yColumn, boolean training);

    protected abstract Gradients doBackward(PreparedLayer layer, Sweep sweep, Reserve reserve, Tensor dy, int dyColumn,
                                            Tensor dhN, Tensor dcN, Tensor dx);

    /**
     * Tensors, prepared layers and reserves of this backend that are not yet closed (a leak shows as
     * growth over many prepare/forward/close cycles).
     *
     * @return how many objects this backend made are still open
     */
    public final long liveObjects() {
        return live.get();
    }

    /** Counts an object made by this backend as live (called by Tensor, PreparedLayer and Reserve). */
    final void opened() {
        live.incrementAndGet();
    }

    /** Counts an object of this backend as closed. */
    final void released() {
        live.decrementAndGet();
    }

    /** Frees backend-wide resources (contexts, thread pools); called once. */
    protected void release() {
    }

    /**
     * Whether {@link #close} has run.
     *
     * @return true once closed
     */
    public final boolean isClosed() {
        return closed;
    }

    /**
     * Refuses use after close.
     *
     * @throws IllegalStateException when this backend was closed
     */
    public final void checkOpen() {
        if (closed) throw new IllegalStateException("backend " + name() + " was used after close");
    }

    @Override
    public final void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        release();
    }

    private void checkPrecision(Precision precision, String what) {
        if (precision == null) throw new FusedRnnException(what + ": expected a precision, found null");
        if (!supports(precision)) {
            throw new FusedRnnException(what + ": " + precision + " is not supported by backend " + name()
                    + " (" + description() + ")");
        }
    }

    private void checkLayer(PreparedLayer layer) {
        if (layer == null) throw new FusedRnnException("layer: expected a prepared layer, found null");
        layer.checkOpen();
        if (layer.backend() != this) {
            throw new FusedRnnException("layer: expected one prepared by backend " + name() + ", found one of " + layer.backend().name());
        }
    }

    private void checkSweep(PreparedLayer layer, Sweep sweep) {
        if (sweep == null || sweep.x() == null) throw new FusedRnnException("x: expected [T, B, I], found null");
        LayerSpec s = layer.spec();
        Tensor x = sweep.x();
        if (x.rank() != 3 || x.dim(2) != s.inputSize() || x.dim(0) < 1 || x.dim(1) < 1) {
            throw new FusedRnnException("x: expected [T>=1, B>=1, " + s.inputSize() + "], found " + Arrays.toString(x.shape()));
        }
        checkOwned("x", x, layer);
        int steps = x.dim(0), batch = x.dim(1);
        checkState("h0", sweep.h0(), layer, batch, s.outputSize());
        if (s.hasCellState()) checkState("c0", sweep.c0(), layer, batch, s.hiddenSize());
        else if (sweep.c0() != null) throw new FusedRnnException("c0: expected none for GRU, found " + sweep.c0());
        int[] len = sweep.lengths();
        if (len != null) {
            if (len.length != batch) throw new FusedRnnException("lengths: expected " + batch + " values (B), found " + len.length);
            for (int b = 0; b < batch; b++) {
                if (len[b] < 0 || len[b] > steps) {
                    throw new FusedRnnException("lengths[" + b + "]: expected 0.." + steps + " (T), found " + len[b]);
                }
            }
        }
    }

    private void checkState(String name, Tensor t, PreparedLayer layer, int batch, int size) {
        if (t == null) return;
        if (t.rank() != 2 || t.dim(0) != batch || t.dim(1) != size) {
            throw new FusedRnnException(name + ": expected [" + batch + ", " + size + "], found " + Arrays.toString(t.shape()));
        }
        checkOwned(name, t, layer);
    }

    private void checkTensor(String name, Tensor t, PreparedLayer layer, int... shape) {
        if (t == null) throw new FusedRnnException(name + ": expected " + Arrays.toString(shape) + ", found null");
        if (!Arrays.equals(t.shape(), shape)) {
            throw new FusedRnnException(name + ": expected " + Arrays.toString(shape) + ", found " + Arrays.toString(t.shape()));
        }
        checkOwned(name, t, layer);
    }

    private void checkColumns(String name, PreparedLayer layer, Sweep sweep, Tensor t, int column) {
        int out = layer.spec().outputSize();
        if (t == null) throw new FusedRnnException(name + ": expected [" + sweep.steps() + ", " + sweep.batch() + ", >=" + out + "], found null");
        if (t.rank() != 3 || t.dim(0) != sweep.steps() || t.dim(1) != sweep.batch() || column < 0 || column + out > t.dim(2)) {
            throw new FusedRnnException(name + ": expected [" + sweep.steps() + ", " + sweep.batch() + ", >=" + (column + out)
                    + "] written from column " + column + ", found " + Arrays.toString(t.shape()));
        }
        checkOwned(name, t, layer);
    }

    private void checkOwned(String name, Tensor t, PreparedLayer layer) {
        t.checkOpen();
        if (t.backend() != this) {
            throw new FusedRnnException(name + ": expected a tensor of backend " + name() + ", found one of " + t.backend().name());
        }
        if (t.precision() != layer.precision()) {
            throw new FusedRnnException(name + ": expected " + layer.precision() + " like the layer, found " + t.precision());
        }
    }
}
