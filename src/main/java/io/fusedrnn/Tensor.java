package io.fusedrnn;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A dense row-major tensor that lives where its backend computes (a heap array, off-heap memory or
 * an OpenCL buffer). Created only by {@link Backend#allocate}; copies in and out are explicit.
 * Closing releases the memory; closing twice is harmless; any other use after close throws
 * {@link IllegalStateException}.
 *
 * <p>Host copies come in three forms: Java arrays ({@code float[]}, {@code double[]}, converted when
 * they are not the tensor's element type), {@link FloatBuffer}, and {@link MemorySegment}s (FFM),
 * which hold values of the tensor's own element type ({@code float} for FP32, {@code double} for
 * FP64) in native byte order and are copied without conversion. A {@link Block} copies a 2-D block
 * of runs, so a batch slice or a transposition of the first two dimensions is one call.
 */
public abstract class Tensor extends BackendResource {
    private final Precision precision;
    private final int[] shape;
    private final long size;

    /** A tensor of {@code owner} with the given precision and shape (sizes checked here). */
    protected Tensor(Backend owner, Precision precision, int[] shape) {
        long n = 1;
        for (int d : shape) { // checked before super(): a rejected shape is never counted as live
            if (d < 0) throw new FusedRnnException("tensor shape: expected non-negative sizes, found " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        super(owner);
        this.precision = precision;
        this.shape = shape.clone();
        this.size = n;
    }

    /**
     * A 2-D block of {@code rows} runs of {@code length} values: run r starts at
     * {@code srcOffset + r·srcPitch} in the source and at {@code dstOffset + r·dstPitch} in the
     * destination (offsets and pitches count values, not bytes).
     *
     * @param srcOffset index of the first source value read
     * @param srcPitch source distance between the starts of consecutive runs
     * @param dstOffset index of the first destination value written
     * @param dstPitch destination distance between the starts of consecutive runs (at least {@code length} when rows &gt; 1)
     * @param length values in each run
     * @param rows number of runs
     */
    public record Block(long srcOffset, long srcPitch, long dstOffset, long dstPitch, long length, long rows) {
        /** Checks that every field is non-negative and that destination runs do not overlap. */
        public Block {
            if (srcOffset < 0 || srcPitch < 0 || dstOffset < 0 || dstPitch < 0 || length < 0 || rows < 0) {
                throw new FusedRnnException("block: expected non-negative offsets, pitches and sizes, found " + describe(srcOffset, srcPitch, dstOffset, dstPitch, length, rows));
            }
            if (rows > 1 && dstPitch < length) {
                throw new FusedRnnException("block: expected a destination pitch >= the run length " + length + " (runs must not overlap), found " + dstPitch);
            }
        }

        /**
         * One run of {@code count} values.
         *
         * @param srcOffset index of the first source value
         * @param dstOffset index of the first destination value
         * @param count values to move
         * @return one block of one run
         */
        public static Block contiguous(long srcOffset, long dstOffset, long count) {
            return new Block(srcOffset, count, dstOffset, count, count, 1);
        }

        /**
         * The blocks that move an [a, b, c] array starting at {@code srcBase} into [b, a, c] order
         * starting at {@code dstBase} (batch-first ↔ time-first): one block per index of the
         * smaller of the first two dimensions.
         *
         * @param a first dimension of the source
         * @param b second dimension of the source
         * @param c innermost dimension, kept in place
         * @param srcBase index of the source array's first value
         * @param dstBase index of the destination array's first value
         * @return the blocks, to be applied in any order
         */
        public static List<Block> swapFirstTwo(long a, long b, long c, long srcBase, long dstBase) {
            List<Block> out = new ArrayList<>();
            if (a <= b) { // one block per i: b runs read in order, written a·c apart
                for (long i = 0; i < a; i++) out.add(new Block(srcBase + i * b * c, c, dstBase + i * c, a * c, c, b));
            } else {      // one block per j: a runs read b·c apart, written in order
                for (long j = 0; j < b; j++) out.add(new Block(srcBase + j * c, b * c, dstBase + j * a * c, c, c, a));
            }
            return out;
        }

        /** {@return values the block moves} */
        public long count() {
            return Math.multiplyExact(length, rows);
        }

        /** {@return one past the last source index read (0 for an empty block)} */
        public long srcEnd() {
            return end(srcOffset, srcPitch);
        }

        /** {@return one past the last destination index written (0 for an empty block)} */
        public long dstEnd() {
            return end(dstOffset, dstPitch);
        }

        /** {@return whether source and destination runs are each one contiguous range} */
        public boolean isContiguous() {
            return rows <= 1 || (srcPitch == length && dstPitch == length);
        }

        private long end(long offset, long pitch) {
            if (length == 0 || rows == 0) return 0;
            try {
                return Math.addExact(Math.addExact(offset, Math.multiplyExact(rows - 1, pitch)), length);
            } catch (ArithmeticException e) {
                throw new FusedRnnException("block: " + this + " overflows");
            }
        }

        private static String describe(long so, long sp, long d, long dp, long len, long rows) {
            return rows + " runs of " + len + " (source from " + so + " pitch " + sp + ", destination from " + d + " pitch " + dp + ")";
        }

        @Override
        public String toString() {
            return describe(srcOffset, srcPitch, dstOffset, dstPitch, length, rows);
        }
    }

    /** {@return the element type} */
    public final Precision precision() {
        return precision;
    }

    /** {@return a copy of the shape} */
    public final int[] shape() {
        return shape.clone();
    }

    /**
     * {@return size of dimension {@code d}}
     *
     * @param d dimension index, 0 for the outermost
     */
    public final int dim(int d) {
        return shape[d];
    }

    /** {@return number of dimensions} */
    public final int rank() {
        return shape.length;
    }

    /** {@return number of elements} */
    public final long size() {
        return size;
    }

    /** {@return the layout of one element in host segments: native-order float (FP32) or double (FP64)} */
    public final ValueLayout elementLayout() {
        return layout(precision);
    }

    /**
     * {@return the native-order, unaligned layout of one {@code precision} element}
     *
     * @param precision FP32 or FP64
     */
    public static ValueLayout layout(Precision precision) {
        return precision == Precision.FP32 ? ValueLayout.JAVA_FLOAT_UNALIGNED : ValueLayout.JAVA_DOUBLE_UNALIGNED;
    }

    /**
     * Copies {@code size()} values in (rounded to float32 in an fp32 tensor).
     *
     * @param src exactly {@code size()} values in row-major order
     */
    public final void write(double[] src) {
        writeArray(MemorySegment.ofArray(src), Precision.FP64);
    }

    /**
     * Copies {@code size()} values in (straight in an fp32 tensor, widened in an fp64 one).
     *
     * @param src exactly {@code size()} values in row-major order
     */
    public final void write(float[] src) {
        writeArray(MemorySegment.ofArray(src), Precision.FP32);
    }

    /**
     * Copies the buffer's {@code remaining()} values (exactly {@code size()}) in; its position does not move.
     *
     * @param src values in row-major order from its position
     */
    public final void write(FloatBuffer src) {
        checkOpen();
        checkLength(src.remaining());
        if (precision == Precision.FP32 && src.order() == ByteOrder.nativeOrder() && (src.isDirect() || src.hasArray())) {
            writeBlock(MemorySegment.ofBuffer(src), Block.contiguous(0, 0, size));
        } else {
            float[] f = new float[src.remaining()];
            src.duplicate().get(f);
            write(f);
        }
    }

    /**
     * Copies {@code size()} values in from a segment of this tensor's element type
     * ({@link #elementLayout()}), without conversion: a memory-mapped file, off-heap memory or a
     * heap array viewed as a segment.
     *
     * @param src a segment of exactly {@code size()} elements
     */
    public final void write(MemorySegment src) {
        checkOpen();
        checkWholeSegment(src);
        writeBlock(src, Block.contiguous(0, 0, size));
    }

    /**
     * Copies the block's runs from {@code src} (values of {@link #elementLayout()}) into this tensor.
     *
     * @param src values of {@link #elementLayout()}, long enough for {@code block.srcEnd()}
     * @param block which runs to copy, and where they land in this tensor
     */
    public final void write(MemorySegment src, Block block) {
        checkOpen();
        checkSegment("source segment", src, block.srcEnd(), false);
        checkRange(block.dstEnd(), block);
        if (block.count() > 0) writeBlock(src, block);
    }

    /** {@return all values, widened to double} */
    public final double[] toDoubleArray() {
        double[] out = new double[arrayLength()];
        read(out);
        return out;
    }

    /** {@return all values, rounded to float} */
    public final float[] toFloatArray() {
        float[] out = new float[arrayLength()];
        read(out);
        return out;
    }

    /**
     * Copies all {@code size()} values into {@code dst} (rounded to float from an fp64 tensor).
     *
     * @param dst an array of exactly {@code size()} values, overwritten
     */
    public final void read(float[] dst) {
        readArray(MemorySegment.ofArray(dst), Precision.FP32);
    }

    /**
     * Copies all {@code size()} values into {@code dst} (widened from an fp32 tensor).
     *
     * @param dst an array of exactly {@code size()} values, overwritten
     */
    public final void read(double[] dst) {
        readArray(MemorySegment.ofArray(dst), Precision.FP64);
    }

    /**
     * Copies all values into a writable segment of exactly {@code size()} elements of {@link #elementLayout()}.
     *
     * @param dst a writable segment, overwritten
     */
    public final void read(MemorySegment dst) {
        checkOpen();
        checkWholeSegment(dst);
        checkSegment("destination segment", dst, size, true);
        readBlock(dst, Block.contiguous(0, 0, size));
    }

    /**
     * Copies the block's runs from this tensor (the source side) into {@code dst} (values of {@link #elementLayout()}).
     *
     * @param dst a writable segment long enough for {@code block.dstEnd()}
     * @param block which runs to copy out of this tensor, and where they land in {@code dst}
     */
    public final void read(MemorySegment dst, Block block) {
        checkOpen();
        checkRange(block.srcEnd(), block);
        checkSegment("destination segment", dst, block.dstEnd(), true);
        if (block.count() > 0) readBlock(dst, block);
    }

    /**
     * Copies the block's runs from {@code src} into this tensor where both live, without a trip
     * through the host. Both must belong to one backend and have one precision.
     *
     * @param src another tensor of this backend and precision
     * @param block which runs of {@code src} to copy, and where they land in this tensor
     */
    public final void copyFrom(Tensor src, Block block) {
        checkOpen();
        if (src == null) throw new FusedRnnException("source tensor: expected a tensor, found null");
        src.checkOpen();
        if (src == this) throw new FusedRnnException("source tensor: expected another tensor, found this one (copies within one tensor are not supported)");
        if (src.backend() != backend()) {
            throw new FusedRnnException("source tensor: expected one of backend " + backend().name() + ", found one of " + src.backend().name());
        }
        if (src.precision != precision) throw new FusedRnnException("source tensor: expected " + precision + ", found " + src.precision);
        if (block.srcEnd() > src.size) {
            throw new FusedRnnException("source tensor " + Arrays.toString(src.shape) + ": " + block + " reads to index " + block.srcEnd()
                    + ", past its " + src.size + " values");
        }
        checkRange(block.dstEnd(), block);
        if (block.count() > 0) copyBlock(src, block);
    }

    /** Copies all values in from a heap array of {@code type} (viewed as a segment), converted where it is not this tensor's precision. */
    private void writeArray(MemorySegment src, Precision type) {
        checkOpen();
        checkLength(src.byteSize() / type.bytes());
        MemorySegment own = type == precision ? src : heapArray(precision);
        if (own != src) convert(src, type, own);
        writeBlock(own, Block.contiguous(0, 0, size));
    }

    /** Copies all values into a heap array of {@code type} (viewed as a segment), converted where it is not this tensor's precision. */
    private void readArray(MemorySegment dst, Precision type) {
        checkOpen();
        checkLength(dst.byteSize() / type.bytes());
        MemorySegment own = type == precision ? dst : heapArray(precision);
        readBlock(own, Block.contiguous(0, 0, size));
        if (own != dst) convert(own, precision, dst);
    }

    /** A new zeroed heap array of {@code size} values of {@code type}, as a segment. */
    private MemorySegment heapArray(Precision type) {
        return type == Precision.FP32 ? MemorySegment.ofArray(new float[(int) size]) : MemorySegment.ofArray(new double[(int) size]);
    }

    /** Copies the values of {@code from} (of {@code type}) into {@code to} of the other type: rounded to float, or widened to double. */
    private static void convert(MemorySegment from, Precision type, MemorySegment to) {
        long n = from.byteSize() / type.bytes();
        if (type == Precision.FP64) {
            for (long i = 0; i < n; i++) to.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) from.getAtIndex(ValueLayout.JAVA_DOUBLE, i));
        } else {
            for (long i = 0; i < n; i++) to.setAtIndex(ValueLayout.JAVA_DOUBLE, i, from.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
    }

    /** Throws unless {@code seg} holds exactly {@code size()} values of this tensor's element type. */
    private void checkWholeSegment(MemorySegment seg) {
        long bytes = Math.multiplyExact(size, precision.bytes());
        if (seg.byteSize() != bytes) {
            throw new FusedRnnException("tensor " + Arrays.toString(shape) + ": expected a segment of " + bytes + " bytes ("
                    + size + " " + elementName() + " values), found " + seg.byteSize() + " bytes");
        }
    }

    private void checkRange(long end, Block block) {
        if (end > size) {
            throw new FusedRnnException("tensor " + Arrays.toString(shape) + ": " + block + " reaches index " + end + ", past its " + size + " values");
        }
    }

    private void checkSegment(String name, MemorySegment seg, long endIndex, boolean written) {
        if (seg == null) throw new FusedRnnException(name + ": expected a memory segment, found null");
        if (written && seg.isReadOnly()) throw new FusedRnnException(name + ": expected a writable segment, found a read-only one");
        long bytes;
        try {
            bytes = Math.multiplyExact(endIndex, precision.bytes());
        } catch (ArithmeticException e) {
            throw new FusedRnnException(name + ": index " + endIndex + " overflows");
        }
        if (bytes > seg.byteSize()) {
            throw new FusedRnnException(name + ": expected at least " + bytes + " bytes (" + endIndex + " " + elementName()
                    + " values), found " + seg.byteSize());
        }
    }

    private void checkLength(long n) {
        if (n != size) {
            throw new FusedRnnException("tensor " + Arrays.toString(shape) + ": expected " + size + " values, found " + n);
        }
    }

    /** {@return size() as an array length}, checked open and small enough for a Java array */
    private int arrayLength() {
        checkOpen();
        if (size > Integer.MAX_VALUE - 8) {
            throw new FusedRnnException("tensor " + Arrays.toString(shape) + ": " + size + " values do not fit a Java array; read it into a MemorySegment");
        }
        return (int) size;
    }

    private String elementName() {
        return precision == Precision.FP32 ? "float32" : "float64";
    }

    /** Copies a checked, non-empty block from a segment of {@link #elementLayout()} values into this tensor. */
    protected abstract void writeBlock(MemorySegment src, Block block);

    /** Copies a checked, non-empty block from this tensor into a writable segment of {@link #elementLayout()} values. */
    protected abstract void readBlock(MemorySegment dst, Block block);

    /** Copies a checked, non-empty block from another tensor of this backend and precision into this one. */
    protected abstract void copyBlock(Tensor src, Block block);

    @Override
    protected String describe() {
        return "tensor " + Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return precision + Arrays.toString(shape) + (isClosed() ? " (closed)" : "");
    }
}
