package io.fusedrnn.io;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * An open .npy file (format versions 1–3), memory-mapped: its header checked against the file, its
 * data read in place. A float32 little-endian file in C order goes into an FP32 tensor as one copy
 * from the mapping; other element types (float16, float64, int32, int64), big-endian files and
 * Fortran-order files ({@code fortran_order: True}, as numpy saves a column-major array) are
 * converted once, block by block, on the way. Element indices are in C (row-major) order whatever
 * the file's order, as {@code np.load} gives the array. Closing unmaps the file.
 */
public final class NpyFile implements AutoCloseable {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** The largest header accepted; numpy's own limit is far smaller in practice. */
    static final int MAX_HEADER_BYTES = 1 << 20;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Values converted per staging block when the file's type is not the tensor's (bounds the memory used). */
    private static final long STAGING_VALUES = 1 << 20;

    /** The element types read. */
    public enum Kind {
        /** {@code f2}, converted. */
        FLOAT16(2, true),
        /** {@code f4}: straight into FP32 tensors when little-endian. */
        FLOAT32(4, true),
        /** {@code f8}: straight into FP64 tensors when little-endian. */
        FLOAT64(8, true),
        /** {@code i4}, for lengths. */
        INT32(4, false),
        /** {@code i8}, for lengths. */
        INT64(8, false);

        private final int bytes;
        private final boolean floating;

        Kind(int bytes, boolean floating) {
            this.bytes = bytes;
            this.floating = floating;
        }

        /** {@return bytes per element in the file} */
        public int bytes() {
            return bytes;
        }

        /** {@return whether this is a floating-point type} */
        public boolean isFloating() {
            return floating;
        }
    }

    private final String file;
    /** The file, for positional reads of large blocks ({@link #copyTo}); null for bytes held in memory. */
    private final Path path;
    /** Where the data starts in the file. */
    private final long dataStart;
    private final Arena arena;
    private final NpyHeader header;
    private final Kind kind;
    private final ByteOrder order;
    /**
     * The element layouts in the file's byte order, made once: {@code withOrder} makes a new layout on
     * every call, and one per element took a big-endian 210 MB `infer` from 3.0 to 4.7 s (peak RSS 490–520
     * against 630 MB).
     */
    private final ValueLayout.OfShort half;
    private final ValueLayout.OfFloat single;
    private final ValueLayout.OfDouble dbl;
    private final ValueLayout.OfInt int32;
    private final ValueLayout.OfLong int64;
    private final MemorySegment data;
    private final long count;
    /**
     * Of a Fortran-order file of rank ≥ 2, each dimension's stride in the file in elements (the first
     * dimension's is 1); null where C-order indices are the file's own.
     */
    private final long[] fortranStrides;

    private NpyFile(String file, Path path, Arena arena, MemorySegment whole) {
        this.file = file;
        this.path = path;
        this.arena = arena;
        long size = whole.byteSize();
        if (size == 0) throw new FusedRnnException(file + ": empty file (expected a .npy array)");
        if (size < 10 || !Arrays.equals(whole.asSlice(0, 6).toArray(ValueLayout.JAVA_BYTE), MAGIC)) {
            throw new FusedRnnException(file + ": bad magic: not a .npy file (expected \\x93NUMPY)");
        }
        int major = whole.get(ValueLayout.JAVA_BYTE, 6);
        long headerLen, headerStart;
        if (major == 1) {
            headerLen = whole.get(U16, 8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (size < 12) throw new FusedRnnException(file + ": truncated: " + size + " bytes, shorter than a version " + major + " preamble");
            headerLen = whole.get(U32, 8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new FusedRnnException(file + ": unsupported .npy format version " + major + " (expected 1, 2 or 3)");
        }
        if (headerLen > MAX_HEADER_BYTES) throw new FusedRnnException(file + ": header length " + headerLen + " is absurd");
        if (headerStart + headerLen > size) {
            throw new FusedRnnException(file + ": truncated: header of " + headerLen + " bytes, file has " + (size - headerStart) + " after the preamble");
        }
        String text = new String(whole.asSlice(headerStart, headerLen).toArray(ValueLayout.JAVA_BYTE),
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        header = NpyHeader.parse(text, file);
        String d = header.descr();
        char o = d.isEmpty() ? '?' : d.charAt(0);
        String k = o == '<' || o == '>' || o == '=' || o == '|' ? d.substring(1) : d;
        kind = switch (k) {
            case "f2" -> Kind.FLOAT16;
            case "f4" -> Kind.FLOAT32;
            case "f8" -> Kind.FLOAT64;
            case "i4" -> Kind.INT32;
            case "i8" -> Kind.INT64;
            default -> throw new FusedRnnException(file + ": unsupported dtype '" + d
                    + "' (expected float16 '<f2', float32 '<f4', float64 '<f8', int32 '<i4' or int64 '<i8', either byte order)");
        };
        order = o == '>' ? ByteOrder.BIG_ENDIAN : o == '=' ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
        half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
        single = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order);
        dbl = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
        int32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
        int64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
        long n;
        try {
            n = NdArray.elementCount(header.shape());
        } catch (ArithmeticException e) {
            throw new FusedRnnException(file + ": shape " + Arrays.toString(header.shape()) + " is too large");
        }
        long start = headerStart + headerLen, have = size - start;
        if (n > have / kind.bytes) {
            throw new FusedRnnException(file + ": truncated: shape " + Arrays.toString(header.shape()) + " needs " + bytes(n, kind.bytes)
                    + " data bytes, found " + have);
        }
        if (n * kind.bytes != have) {
            throw new FusedRnnException(file + ": shape " + Arrays.toString(header.shape()) + " needs " + n * kind.bytes
                    + " data bytes, found " + have + " (trailing bytes)");
        }
        count = n;
        dataStart = start;
        data = whole.asSlice(start, have);
        int[] shape = header.shape();
        if (header.fortranOrder() && shape.length > 1) {
            fortranStrides = new long[shape.length];
            long stride = 1;
            for (int dim = 0; dim < shape.length; dim++) {
                fortranStrides[dim] = stride;
                stride *= shape[dim];
            }
        } else {
            fortranStrides = null;
        }
    }

    /**
     * Maps {@code path} read-only and checks its header against its size; one-line errors name the file.
     *
     * @param path the .npy file
     * @return the open file; close it to unmap
     */
    public static NpyFile open(Path path) {
        String file = path.toString();
        return MappedFile.open(path, "a .npy array", (arena, segment) -> new NpyFile(file, path, arena, segment));
    }

    /** A file's bytes held in memory ({@code file} names it in messages; for tests and fuzzing). */
    static NpyFile fromBytes(String file, byte[] bytes) {
        return new NpyFile(file, null, null, MemorySegment.ofArray(bytes));
    }

    /** {@return the file name used in messages} */
    public String name() {
        return file;
    }

    /** {@return a copy of the shape} */
    public int[] shape() {
        return header.shape().clone();
    }

    /** {@return number of dimensions} */
    public int rank() {
        return header.shape().length;
    }

    /**
     * {@return size of dimension {@code d}}
     *
     * @param d dimension index, 0 for the outermost
     */
    public int dim(int d) {
        return header.shape()[d];
    }

    /** {@return the shape as text, e.g. {@code [3, 4]}} */
    public String shapeText() {
        return Arrays.toString(header.shape());
    }

    /** {@return number of elements} */
    public long count() {
        return count;
    }

    /** {@return the element type} */
    public Kind kind() {
        return kind;
    }

    /** {@return the numpy dtype string, e.g. {@code <f4}} */
    public String descr() {
        return header.descr();
    }

    /**
     * {@return the data bytes in the file's own type, byte order and element order (read-only, valid
     * until close): column-major where {@link #fortranOrder}}
     */
    public MemorySegment data() {
        return data;
    }

    /** {@return whether the file holds its elements in Fortran (column-major) order: read through a conversion} */
    public boolean fortranOrder() {
        return fortranStrides != null;
    }

    /**
     * {@return whether the data is already {@code precision}'s element type in native byte order and
     * C order (copied with no conversion)}
     *
     * @param precision the tensor precision asked about
     */
    public boolean matches(Precision precision) {
        Kind k = precision == Precision.FP32 ? Kind.FLOAT32 : Kind.FLOAT64;
        return kind == k && order == ByteOrder.nativeOrder() && fortranStrides == null;
    }

    /**
     * Throws a one-line error unless the element type is floating point.
     *
     * @return this file, for chaining
     */
    public NpyFile requireFloats() {
        if (!kind.floating) {
            throw new FusedRnnException(file + ": unsupported dtype '" + header.descr() + "' (expected float32 '<f4' or float64 '<f8'; float16 is read too)");
        }
        return this;
    }

    /**
     * Throws a one-line error unless the element type is int32 or int64.
     *
     * @return this file, for chaining
     */
    public NpyFile requireIntegers() {
        if (kind.floating) throw new FusedRnnException(file + ": unsupported dtype '" + header.descr() + "' (expected int32 '<i4' or int64 '<i8')");
        return this;
    }

    /**
     * The whole array as a new tensor of {@code precision} on {@code backend} (floating-point files only).
     *
     * @param backend where the tensor lives
     * @param precision the tensor's element type
     * @return a new tensor with the file's shape; close it when done
     */
    public Tensor upload(Backend backend, Precision precision) {
        checkOpen();
        requireFloats();
        Tensor t = backend.allocate(precision, header.shape());
        try {
            copyTo(t, Tensor.Block.contiguous(0, 0, count));
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /**
     * Copies a block of this file's elements (source indices count elements of the file) into
     * {@code t}: when {@link #matches} the tensor's precision, runs of at least {@link #READ_MIN_RUN_BYTES}
     * are read from the file with positional reads through a bounded staging buffer and shorter ones
     * copied from the mapping; otherwise converted from the mapping through a staging buffer.
     *
     * @param t the destination tensor
     * @param block which runs of the file to copy, and where they land in {@code t}
     */
    public void copyTo(Tensor t, Tensor.Block block) {
        checkOpen();
        requireFloats();
        if (block.srcEnd() > count) {
            throw new FusedRnnException(file + ": block " + block + " reads to element " + block.srcEnd() + ", past its " + count);
        }
        if (matches(t.precision())) {
            if (path != null && block.length() * kind.bytes >= READ_MIN_RUN_BYTES) readRuns(t, block);
            else t.write(data, block);
            return;
        }
        ValueLayout to = Tensor.layout(t.precision());
        // a Fortran-order file stages 8 times as many rows: it is read across the rows (see below)
        long rowsPer = Math.max(1, (fortranStrides == null ? STAGING_VALUES : 8 * STAGING_VALUES) / Math.max(1, block.length()));
        try (Arena staging = Arena.ofConfined()) {
            long chunkRows = Math.min(rowsPer, block.rows());
            MemorySegment buf = staging.allocate(Math.max(1, chunkRows * block.length()) * to.byteSize(), 8);
            for (long r = 0; r < block.rows(); r += chunkRows) {
                long rows = Math.min(chunkRows, block.rows() - r);
                if (fortranStrides == null) {
                    for (long i = 0; i < rows; i++) {
                        convert(block.srcOffset() + (r + i) * block.srcPitch(), buf, i * block.length(), block.length(), to);
                    }
                } else {
                    convertAcross(block.srcOffset() + r * block.srcPitch(), block.srcPitch(), rows, buf, block.length(), to);
                }
                t.write(buf, new Tensor.Block(0, block.length(), block.dstOffset() + r * block.dstPitch(), block.dstPitch(), block.length(), rows));
            }
        }
    }

    /**
     * Of a Fortran-order file: {@code rows} runs of {@code n} C-order elements, {@code pitch} apart from
     * {@code src}, into {@code out} row after row, read element by element down the rows. A block's rows
     * are steps (or batch rows) of the outer axes, which are the file's inner ones, so reading across them
     * walks the file in order where reading along a run would jump a whole slab per element (the 210 MB
     * case: 12.3 s along the runs, 3.4–4.4 s across them in tiles of 16 elements, against 2.3–2.9 s from
     * the same array in C order).
     */
    private void convertAcross(long src, long pitch, long rows, MemorySegment out, long n, ValueLayout to) {
        boolean toFloat = to.carrier() == float.class;
        int tile = 16; // one cache line of float32 output per row: the writes go a line at a time
        long[] f0 = new long[tile], step = new long[tile];
        boolean[] even = new boolean[tile];
        for (long j0 = 0; j0 < n; j0 += tile) {
            int w = (int) Math.min(tile, n - j0);
            for (int k = 0; k < w; k++) {
                // a pitch that moves one outer index moves the file position by one fixed step: found from
                // the first two rows, checked at the last, else each element's position is worked out
                long j = j0 + k;
                f0[k] = fileIndex(src + j);
                step[k] = rows > 1 ? fileIndex(src + pitch + j) - f0[k] : 0;
                even[k] = rows < 3 || fileIndex(src + (rows - 1) * pitch + j) == f0[k] + (rows - 1) * step[k];
            }
            for (long i = 0; i < rows; i++) {
                for (int k = 0; k < w; k++) {
                    long j = j0 + k;
                    put(out, i * n + j, valueAt((even[k] ? f0[k] + i * step[k] : fileIndex(src + i * pitch + j)) * kind.bytes), toFloat);
                }
            }
        }
    }


    /**
     * {@return element {@code i} as a double (exact for every supported type but int64 beyond 2^53)}
     *
     * @param i element index in C order
     */
    public double getDouble(long i) {
        return valueAt(fileIndex(i) * kind.bytes);
    }

    /** The element at byte {@code at} of the data, as a double. */
    private double valueAt(long at) {
        return switch (kind) {
            case FLOAT16 -> Float.float16ToFloat(data.get(half, at));
            case FLOAT32 -> data.get(single, at);
            case FLOAT64 -> data.get(dbl, at);
            case INT32 -> data.get(int32, at);
            case INT64 -> data.get(int64, at);
        };
    }

    /**
     * {@return element {@code i} of an integer file}
     *
     * @param i element index in C order
     */
    public long getLong(long i) {
        long at = fileIndex(i) * kind.bytes;
        return kind == Kind.INT32 ? data.get(int32, at) : data.get(int64, at);
    }

    /** {@return the C-order index of the first NaN or infinity, or -1 (floating-point files)} */
    public long firstNonFinite() {
        checkOpen();
        requireFloats();
        if (kind == Kind.FLOAT32 && fortranStrides == null) {
            for (long i = 0; i < count; i++) if (!Float.isFinite(data.getAtIndex(single, i))) return i;
            return -1;
        }
        for (long i = 0; i < count; i++) if (!Double.isFinite(getDouble(i))) return i;
        return -1;
    }

    /** {@return all values, widened to double (floating-point or integer files)} */
    public double[] toDoubleArray() {
        checkOpen();
        double[] out = new double[arraySize()];
        for (int i = 0; i < out.length; i++) out[i] = getDouble(i);
        return out;
    }

    /** {@return all values as float (floating-point files; float64 values are rounded)} */
    public float[] toFloatArray() {
        checkOpen();
        requireFloats();
        float[] out = new float[arraySize()];
        convert(0, MemorySegment.ofArray(out), 0, out.length, ValueLayout.JAVA_FLOAT_UNALIGNED);
        return out;
    }

    /** {@return all values of an int32/int64 file as int, each checked to fit} */
    public int[] toIntArray() {
        checkOpen();
        requireIntegers();
        int[] out = new int[arraySize()];
        for (int i = 0; i < out.length; i++) {
            long v = getLong(i);
            if (v != (int) v) throw new FusedRnnException(file + ": value " + v + " at index " + i + " does not fit an int");
            out[i] = (int) v;
        }
        return out;
    }

    /** Converts {@code n} elements from C-order index {@code src} to {@code to}'s type at element {@code dst} of {@code out}. */
    private void convert(long src, MemorySegment out, long dst, long n, ValueLayout to) {
        boolean toFloat = to.carrier() == float.class;
        if (kind == (toFloat ? Kind.FLOAT32 : Kind.FLOAT64) && order == ByteOrder.nativeOrder() && fortranStrides == null) {
            MemorySegment.copy(data, src * kind.bytes, out, dst * to.byteSize(), n * kind.bytes);
            return;
        }
        for (long i = 0; i < n; i++) put(out, dst + i, getDouble(src + i), toFloat);
    }

    /** Stores v at element i of out, as float32 ({@code toFloat}) or float64. */
    private static void put(MemorySegment out, long i, double v, boolean toFloat) {
        if (toFloat) out.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) v);
        else out.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, v);
    }

    /** The position in the file's element order of C-order index {@code i}. */
    private long fileIndex(long i) {
        if (fortranStrides == null) return i;
        int[] shape = header.shape();
        long at = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            at += i % shape[d] * fortranStrides[d];
            i /= shape[d];
        }
        return at;
    }

    private int arraySize() {
        if (count > Integer.MAX_VALUE - 8) {
            throw new FusedRnnException(file + ": shape " + shapeText() + " has more elements than a Java array holds (upload it to a tensor instead)");
        }
        return (int) count;
    }

    private void checkOpen() {
        if (arena != null && !arena.scope().isAlive()) throw new IllegalStateException(file + " was used after close");
    }

    /** count × itemSize as text, without overflowing. */
    private static String bytes(long count, int itemSize) {
        long hi = Math.multiplyHigh(count, itemSize);
        return hi == 0 && count * itemSize >= 0 ? Long.toString(count * itemSize) : count + " × " + itemSize;
    }

    /**
     * Runs of at least this many bytes are read, not copied from the mapping: a first touch of a
     * mapped page is a fault, and on these virtual machines a 30 MB chunk of the 210 MB `infer` case
     * took 27–35 ms from the mapping against 8–25 ms read (benchmarks/RESULTS.md, "Round 8").
     */
    static final long READ_MIN_RUN_BYTES = 64 << 10;
    /** Bytes staged per batch of positional reads (at least one run); smaller in tests. */
    static volatile long readStagingBytes = 4 << 20;

    /** {@link #copyTo} of a matching block by positional reads, as many whole runs at a time as the staging holds. */
    private void readRuns(Tensor t, Tensor.Block block) {
        long run = block.length() * kind.bytes, per = Math.max(1, Math.min(block.rows(), readStagingBytes / run));
        try (Arena staging = Arena.ofConfined(); FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment buf = staging.allocate(per * run, 64);
            for (long r0 = 0; r0 < block.rows(); r0 += per) {
                long rn = Math.min(per, block.rows() - r0);
                for (long i = 0; i < rn; i++) {
                    ByteBuffer b = buf.asSlice(i * run, run).asByteBuffer();
                    long pos = dataStart + (block.srcOffset() + (r0 + i) * block.srcPitch()) * kind.bytes;
                    while (b.hasRemaining()) {
                        int got = ch.read(b, pos);
                        if (got < 0) throw new FusedRnnException(file + ": ended at byte " + pos + " while being read (changed since it was opened?)");
                        pos += got;
                    }
                }
                t.write(buf, new Tensor.Block(0, block.length(), block.dstOffset() + r0 * block.dstPitch(), block.dstPitch(), block.length(), rn));
            }
        } catch (IOException e) {
            throw new FusedRnnException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Unmaps the file; closing twice is harmless. */
    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) arena.close();
    }
}
