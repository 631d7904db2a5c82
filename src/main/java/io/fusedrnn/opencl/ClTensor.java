package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import org.jocl.cl_mem;

/** A tensor in one OpenCL buffer (float or double, as its precision says); copies in and out block. */
final class ClTensor extends Tensor {
    final ClContext ctx;
    final cl_mem mem;

    ClTensor(Backend owner, ClContext ctx, Precision precision, int[] shape) {
        super(owner, precision, shape);
        this.ctx = ctx;
        this.mem = ctx.allocate(precision, size());
    }

    @Override
    protected void writeDoubles(double[] src) {
        ctx.write(mem, precision(), src);
    }

    @Override
    protected void writeFloats(float[] src) {
        ctx.write(mem, precision(), src);
    }

    @Override
    protected double[] readDoubles() {
        return ctx.readDoubles(mem, precision(), Math.toIntExact(size()));
    }

    @Override
    protected float[] readFloats() {
        return ctx.readFloats(mem, precision(), Math.toIntExact(size()));
    }

    @Override
    protected void release() {
        ctx.release(mem);
    }
}
