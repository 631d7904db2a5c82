package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.Cell;
import io.fusedrnn.Gradients;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Reserve;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The OpenCL backend (JOCL): tensors are device buffers, a prepared layer is its weights on the
 * device, and a sweep enqueues a projection GEMM plus one fused kernel per step (kernels/*.cl) on one
 * in-order queue. Calls are serialised: the queue and the cached kernels are shared state.
 */
public final class OpenClBackend extends Backend {
    final ClContext ctx;
    private final ClOps fp32, fp64;

    /** System property that forces the local-memory tiled kernels on every device: {@code -Dfusedrnn.opencl.kernels=tiled}. */
    public static final String KERNELS_PROPERTY = "fusedrnn.opencl.kernels";

    private OpenClBackend(ClDevice device, boolean tiledOnly) {
        this.ctx = new ClContext(device);
        boolean vector = device.type().equals("CPU") && !tiledOnly;
        this.fp32 = new ClOps(ctx, Precision.FP32, vector);
        this.fp64 = new ClOps(ctx, Precision.FP64, vector);
    }

    /**
     * Opens a device: {@code ""} picks the first GPU, else the first device; {@code "P:D"} picks by
     * platform and device index; anything else is a case-insensitive substring of the device name.
     *
     * @param selector {@code ""}, {@code "P:D"} or part of a device name
     * @return the open backend; close it when done
     * @throws io.fusedrnn.BackendUnavailableException when there is no OpenCL loader, platform or
     *                                                  matching device (the message says how to fix it)
     */
    public static OpenClBackend open(String selector) {
        return open(selector, "tiled".equalsIgnoreCase(System.getProperty(KERNELS_PROPERTY, "")));
    }

    /**
     * Opens the first GPU, else the first other non-CPU device (an accelerator), for
     * {@code Backends.auto}: on a CPU the Vector API backend is the faster choice, so a CPU device is
     * not taken here.
     *
     * @param ignored unused (the reflective call passes a selector)
     * @return the open backend; close it when done
     * @throws io.fusedrnn.BackendUnavailableException when there is no OpenCL platform, or its devices
     *                                                  are all CPUs (message starting {@link Backends#ONLY_CPU_OPENCL})
     */
    public static OpenClBackend openAccelerator(String ignored) {
        List<ClDevice> devices = ClDevice.all();
        for (ClDevice d : devices) if (d.type().equals("GPU")) return new OpenClBackend(d, false);
        for (ClDevice d : devices) if (!d.type().equals("CPU")) return new OpenClBackend(d, false);
        List<String> names = new ArrayList<>();
        for (ClDevice d : devices) names.add(d.name());
        throw new BackendUnavailableException("opencl: " + Backends.ONLY_CPU_OPENCL + " (" + String.join(", ", names)
                + "); the vector backend runs the CPU faster (--backend opencl takes them)");
    }

    /** As {@link #open(String)}; {@code tiledOnly} skips the CPU rung (tests run the GPU kernels on PoCL this way). */
    static OpenClBackend open(String selector, boolean tiledOnly) {
        return new OpenClBackend(ClDevice.select(selector), tiledOnly);
    }

    /** {@return whether this backend runs the CPU rung (vector kernels without local memory) where shapes allow} */
    public boolean usesVectorKernels() {
        return fp32.vectorKernels();
    }

    /** {@return one line per OpenCL device: indices, platform, name, type, compute units, memory, fp64} */
    public static List<String> describeDevices() {
        List<String> lines = new ArrayList<>();
        for (ClDevice d : ClDevice.all()) lines.add(d.line());
        return lines;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public boolean runsOnHostCpu() {
        return ctx.device.type().contains("CPU");
    }

    @Override
    public String description() {
        ClDevice d = ctx.device;
        return d.name() + " (" + d.type() + ", " + d.computeUnits() + " compute units) on " + d.platformName()
                + " " + d.driverVersion() + (d.fp64() ? "" : ", no cl_khr_fp64 (fp32 only)")
                + (fp32.vectorKernels() ? "" : d.type().equals("CPU") ? ", tiled kernels" : "");
    }

    @Override
    public boolean supports(Precision precision) {
        return precision == Precision.FP32 || ctx.device.fp64();
    }

    /**
     * OpenCL objects this backend holds now (context, queue, buffers, programs, kernels): unlike
     * {@link #liveObjects()}, which counts fusedrnn objects, this counts what the driver holds, so a
     * leaked temporary buffer shows. 0 after close.
     *
     * @return the number of driver objects held
     */
    public int liveClObjects() {
        return ctx.liveObjects();
    }

    /** {@return live buffers only (programs and kernels stay cached for the backend's life)} */
    public int liveBuffers() {
        return ctx.liveBuffers();
    }

    ClOps ops(Precision p) {
        return p == Precision.FP64 ? fp64 : fp32;
    }

    @Override
    protected Tensor newTensor(Precision precision, int[] shape) {
        return new ClTensor(this, ctx, precision, shape);
    }

    @Override
    protected synchronized PreparedLayer doPrepare(LayerWeights weights, Precision precision) {
        ClOps ops = ops(precision);
        return new ClLayer(this, ctx, weights, precision, ops.vectorKernels() ? ops.vectorWidth() : 0);
    }

    @Override
    protected synchronized SweepResult doForward(PreparedLayer layer, Sweep sweep, Tensor y, int yColumn, boolean training) {
        return cellSweep(layer, sweep).forward((ClTensor) y, yColumn, training);
    }

    @Override
    protected synchronized Gradients doBackward(PreparedLayer layer, Sweep sweep, Reserve reserve, Tensor dy, int dyColumn,
                                                Tensor dhN, Tensor dcN, Tensor dx) {
        return cellSweep(layer, sweep).backward((ClReserve) reserve, (ClTensor) dy, dyColumn, (ClTensor) dhN, (ClTensor) dcN, (ClTensor) dx);
    }

    private CellSweep cellSweep(PreparedLayer layer, Sweep sweep) {
        ClLayer l = (ClLayer) layer;
        return l.spec().cell() == Cell.LSTM ? new LstmSweep(this, l, sweep) : new GruSweep(this, l, sweep);
    }

    /** Zeroed gradient tensors shaped as {@link Gradients} documents. */
    Gradients newGradients(Precision pr, LayerSpec s, int batch) {
        List<Tensor> made = new ArrayList<>();
        try {
            int rows = s.gateRows();
            Tensor dh0 = keep(made, allocate(pr, batch, s.outputSize()));
            Tensor dc0 = s.hasCellState() ? keep(made, allocate(pr, batch, s.hiddenSize())) : null;
            Tensor dWih = keep(made, allocate(pr, rows, s.inputSize()));
            Tensor dWhh = keep(made, allocate(pr, rows, s.outputSize()));
            Tensor dBih = keep(made, allocate(pr, rows));
            Tensor dBhh = keep(made, allocate(pr, rows));
            Tensor dWhr = s.projSize() > 0 ? keep(made, allocate(pr, s.projSize(), s.hiddenSize())) : null;
            return new Gradients(dh0, dc0, dWih, dWhh, dBih, dBhh, dWhr);
        } catch (RuntimeException e) {
            for (Tensor t : made) t.close();
            throw e;
        }
    }

    private static Tensor keep(List<Tensor> made, Tensor t) {
        made.add(t);
        return t;
    }

    @Override
    protected void release() {
        ctx.close();
    }
}
