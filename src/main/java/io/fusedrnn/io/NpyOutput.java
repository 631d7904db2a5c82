package io.fusedrnn.io;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A .npy file being written piece by piece: the header first, then blocks of values at any element
 * position (positional writes, so batch slices of a [T, B, ·] array can arrive in any order).
 * Values are the precision's element type in native byte order, the header says which. {@link #finish}
 * checks that every byte was written. Not atomic by itself: write to a temporary file and move it
 * into place ({@link AtomicFiles}).
 */
public final class NpyOutput implements AutoCloseable {
    /** Bytes staged per write when values come from a tensor or a heap segment. */
    private static final long STAGING_BYTES = 8 << 20;

    private final Path path;
    private final Precision precision;
    private final FileChannel channel;
    private final long dataStart, count;
    /** Shared: a file is written by one thread at a time, not always the one that opened it (infer's writer). */
    private final Arena arena = Arena.ofShared();
    private MemorySegment staging;
    private long written;

    private NpyOutput(Path path, Precision precision, int[] shape) {
        this.path = path;
        this.precision = precision;
        this.count = NdArray.elementCount(shape);
        String order = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? "<" : ">";
        byte[] head = NpyWriter.headerBytes(new NpyHeader(order + (precision == Precision.FP32 ? "f4" : "f8"), false, shape.clone()));
        dataStart = head.length;
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            arena.close();
            throw new FusedRnnException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
        try {
            writeFully(ByteBuffer.wrap(head), 0);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Creates (or truncates) {@code path} and writes the header of a {@code precision} array of {@code shape}.
     *
     * @param path the file to write
     * @param precision element type of the array (float32 or float64 on disk)
     * @param shape sizes, outermost first
     * @return the open output; its data are zero until written
     */
    public static NpyOutput create(Path path, Precision precision, int... shape) {
        return new NpyOutput(path, precision, shape);
    }

    /** {@return elements the array holds} */
    public long count() {
        return count;
    }

    /**
     * Writes a block from {@code src} (values of the precision, native order); destination indices count elements of the file.
     *
     * @param src values of the precision in native byte order
     * @param block which runs of {@code src} to write, and where they land in the file
     */
    public void write(MemorySegment src, Tensor.Block block) {
        checkBlock(block);
        long e = precision.bytes();
        if (src.byteSize() < block.srcEnd() * e) {
            throw new FusedRnnException(path + ": source segment of " + src.byteSize() + " bytes is shorter than " + block + " needs");
        }
        if (block.isContiguous()) {
            put(src, block.srcOffset() * e, block.dstOffset() * e, block.count() * e);
            return;
        }
        for (long r = 0; r < block.rows(); r++) {
            put(src, (block.srcOffset() + r * block.srcPitch()) * e, (block.dstOffset() + r * block.dstPitch()) * e, block.length() * e);
        }
    }

    /**
     * Writes a block read from tensor {@code t} (its precision must be this file's); destination indices count elements of the file.
     *
     * @param t the source tensor
     * @param block which runs of {@code t} to write, and where they land in the file
     */
    public void write(Tensor t, Tensor.Block block) {
        if (t.precision() != precision) throw new FusedRnnException(path + ": expected a " + precision + " tensor, found " + t.precision());
        checkBlock(block);
        long e = precision.bytes(), perStage = Math.max(1, STAGING_BYTES / e);
        MemorySegment buf = staging();
        if (block.length() > perStage) { // long runs: piece by piece
            for (long r = 0; r < block.rows(); r++) {
                for (long done = 0; done < block.length(); done += perStage) {
                    long n = Math.min(perStage, block.length() - done);
                    t.read(buf, Tensor.Block.contiguous(block.srcOffset() + r * block.srcPitch() + done, 0, n));
                    put(buf, 0, (block.dstOffset() + r * block.dstPitch() + done) * e, n * e);
                }
            }
            return;
        }
        long rowsPer = perStage / Math.max(1, block.length());
        for (long r = 0; r < block.rows(); r += rowsPer) {
            long rows = Math.min(rowsPer, block.rows() - r);
            t.read(buf, new Tensor.Block(block.srcOffset() + r * block.srcPitch(), block.srcPitch(), 0, block.length(), block.length(), rows));
            write(buf, new Tensor.Block(0, block.length(), block.dstOffset() + r * block.dstPitch(), block.dstPitch(), block.length(), rows));
        }
    }

    /** Checks that every data byte was written (at least once) and closes the file. */
    public void finish() {
        try {
            if (written < count * precision.bytes()) {
                throw new FusedRnnException(path + ": wrote " + written + " of " + count * precision.bytes() + " data bytes");
            }
        } finally {
            close();
        }
    }

    private void checkBlock(Tensor.Block block) {
        if (block.dstEnd() > count) {
            throw new FusedRnnException(path + ": " + block + " writes to element " + block.dstEnd() + ", past the array's " + count);
        }
    }

    private MemorySegment staging() {
        if (staging == null) staging = arena.allocate(STAGING_BYTES, 64);
        return staging;
    }

    /** Writes {@code bytes} bytes of {@code src} from {@code from} at data byte {@code to}. */
    private void put(MemorySegment src, long from, long to, long bytes) {
        if (bytes == 0) return;
        if (src.isNative()) {
            for (long done = 0; done < bytes; done += 1 << 30) {
                long n = Math.min(1 << 30, bytes - done);
                writeFully(src.asSlice(from + done, n).asByteBuffer(), dataStart + to + done);
            }
        } else {
            MemorySegment buf = staging();
            for (long done = 0; done < bytes; done += STAGING_BYTES) {
                long n = Math.min(STAGING_BYTES, bytes - done);
                MemorySegment.copy(src, from + done, buf, 0, n);
                writeFully(buf.asSlice(0, n).asByteBuffer(), dataStart + to + done);
            }
        }
        written += bytes;
    }

    private void writeFully(ByteBuffer b, long position) {
        try {
            long at = position;
            while (b.hasRemaining()) at += channel.write(b, at);
        } catch (IOException e) {
            throw new FusedRnnException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** Closes the file without checking it is complete; closing twice is harmless. */
    @Override
    public void close() {
        try {
            if (channel != null) channel.close();
        } catch (IOException e) {
            throw new FusedRnnException(path + ": cannot close (" + e.getMessage() + ")", e);
        } finally {
            if (arena.scope().isAlive()) arena.close();
        }
    }
}
