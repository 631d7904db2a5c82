package io.fusedrnn.io;

import io.fusedrnn.FusedRnnException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file opened read-only and memory-mapped (FFM): an 8-byte little-endian header
 * length, a JSON header, then the tensors' bytes. The header is bounded and validated on open;
 * tensors are widened to double on {@link #read}. Closing unmaps; closing twice is harmless.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The largest header accepted (as the safetensors reference implementation: 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * One tensor's header entry; offsets are relative to the data section. A file may hold tensors of
     * any safetensors dtype (a module's state_dict has int64 buffers such as a batch norm's
     * {@code num_batches_tracked}); only the floating-point ones ({@link SafetensorsDType}) are read.
     *
     * @param name the tensor's key in the header
     * @param dtypeName the dtype as the header names it, e.g. {@code F32} or {@code I64}
     * @param shape sizes, outermost first
     * @param begin first byte of the data, from the start of the data section
     * @param end one past the last byte, from the start of the data section
     */
    public record Entry(String name, String dtypeName, int[] shape, long begin, long end) {
        /** {@return the element type, or null for one that is not read (integers, booleans, fp8, ...)} */
        public SafetensorsDType dtype() {
            return SafetensorsDType.find(dtypeName);
        }

        /** {@return number of elements} */
        public long count() {
            return NdArray.elementCount(shape);
        }
    }

    private final String file;
    private final Arena arena;
    private final MemorySegment segment;
    private final long dataStart;
    private final SafetensorsHeader header;
    private boolean closed;

    private SafetensorsFile(String file, Arena arena, MemorySegment segment, long dataStart, SafetensorsHeader header) {
        this.file = file;
        this.arena = arena;
        this.segment = segment;
        this.dataStart = dataStart;
        this.header = header;
    }

    /**
     * Maps and validates {@code path}; every problem is a one-line {@link FusedRnnException} naming the file.
     *
     * @param path the .safetensors file
     * @return the open file; close it to unmap
     */
    public static SafetensorsFile open(Path path) {
        String file = path.toString();
        return MappedFile.open(path, "a safetensors header", (arena, segment) -> parse(file, arena, segment));
    }

    /** Validates the bytes of a whole file held in memory ({@code file} names it in messages). */
    static SafetensorsFile fromBytes(String file, byte[] bytes) {
        return parse(file, null, MemorySegment.ofArray(bytes));
    }

    private static SafetensorsFile parse(String file, Arena arena, MemorySegment seg) {
        long size = seg.byteSize();
        if (size == 0) throw new FusedRnnException(file + ": empty file (expected a safetensors header)");
        if (size < 8) throw new FusedRnnException(file + ": truncated: " + size + " bytes, expected at least the 8-byte header length");
        long n = seg.get(U64, 0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new FusedRnnException(file + ": header length " + Long.toUnsignedString(n) + " is absurd (limit "
                    + MAX_HEADER_BYTES + " bytes)");
        }
        if (n > size - 8) {
            throw new FusedRnnException(file + ": header length " + n + " exceeds the " + (size - 8) + " bytes after it (file truncated?)");
        }
        byte[] json = seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        SafetensorsHeader header = SafetensorsHeader.parse(json, size - 8 - n, file);
        return new SafetensorsFile(file, arena, seg, 8 + n, header);
    }

    /** {@return the file as given to {@link #open}} */
    public String file() {
        return file;
    }

    /** {@return tensor names in header order} */
    public Set<String> names() {
        return header.entries.keySet();
    }

    /**
     * {@return whether the header has a tensor named {@code name}}
     *
     * @param name the tensor's key
     */
    public boolean contains(String name) {
        return header.entries.containsKey(name);
    }

    /** {@return the {@code __metadata__} strings (empty when absent)} */
    public Map<String, String> metadata() {
        return header.metadata;
    }

    /**
     * The entry of {@code name}, or a {@link FusedRnnException} saying it is missing.
     *
     * @param name the tensor's key
     * @return its header entry
     */
    public Entry entry(String name) {
        Entry e = header.entries.get(name);
        if (e == null) throw new FusedRnnException(file + ": missing tensor '" + name + "'");
        return e;
    }

    /**
     * {@return a copy of the shape of {@code name}}
     *
     * @param name the tensor's key
     */
    public int[] shape(String name) {
        return entry(name).shape().clone();
    }

    /**
     * Tensor {@code name} widened to double.
     *
     * @param name the tensor's key
     * @return a new array with the tensor's shape and values
     */
    public NdArray read(String name) {
        checkOpen();
        Entry e = entry(name);
        SafetensorsDType type = e.dtype();
        if (type == null) {
            throw new FusedRnnException(file + ": tensor '" + name + "': unsupported dtype '" + e.dtypeName() + "' for weights (expected F16, BF16, F32 or F64)");
        }
        long n = e.count();
        if (n > Integer.MAX_VALUE - 8) {
            throw new FusedRnnException(file + ": tensor '" + name + "' has " + n + " elements, more than a Java array holds");
        }
        double[] out = new double[(int) n];
        long base = dataStart + e.begin();
        for (int i = 0; i < out.length; i++) out[i] = type.get(segment, base, i);
        return new NdArray(e.shape().clone(), out);
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException(file + " was used after close");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (arena != null) arena.close();
    }

    @Override
    public String toString() {
        return file + " " + Arrays.toString(names().toArray());
    }
}
