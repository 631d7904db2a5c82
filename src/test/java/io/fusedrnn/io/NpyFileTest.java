package io.fusedrnn.io;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.Tensor.Block;
import io.fusedrnn.model.Fixtures;
import io.fusedrnn.reference.ReferenceBackend;
import io.fusedrnn.vector.VectorBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.fusedrnn.io.NpyTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** .npy straight into tensors (mapped float32 as is, everything else converted once) and out of them, piece by piece. */
class NpyFileTest {
    @TempDir
    Path dir;

    @Test
    void everyFloatFileUploadsToTheSameValuesInBothPrecisions() {
        double[] want = NpyTest.expected();
        float[] want32 = new float[want.length];
        for (int i = 0; i < want.length; i++) want32[i] = (float) want[i];
        try (Backend be = new VectorBackend(1)) {
            for (String f : new String[] {"f4_2x3x4.npy", "f8_2x3x4.npy", "big_endian.npy", "f2.npy", "fortran.npy"}) {
                try (NpyFile npy = NpyFile.open(Fixtures.path("npy/" + f));
                     Tensor t32 = npy.upload(be, Precision.FP32); Tensor t64 = npy.upload(be, Precision.FP64)) {
                    assertEquals(f.equals("f4_2x3x4.npy"), npy.matches(Precision.FP32), f + " needs no conversion into fp32");
                    assertArrayEquals(new int[] {2, 3, 4}, t32.shape(), f);
                    assertArrayEquals(want32, t32.toFloatArray(), 0f, f);
                    assertArrayEquals(want, t64.toDoubleArray(), 0.0, f);
                }
            }
        }
    }

    @Test
    void blocksOfAFileLandWhereAsked() {
        try (Backend be = new ReferenceBackend(); NpyFile npy = NpyFile.open(Fixtures.path("npy/f8_2x3x4.npy"));
             Tensor t = be.allocate(Precision.FP32, 2, 2, 4)) {
            // batch rows 1..2 of a [T=2, B=3, 4] file: two runs of 8 values, 12 apart
            npy.copyTo(t, new Block(4, 12, 0, 8, 8, 2));
            double[] all = NpyTest.expected();
            float[] want = new float[16];
            for (int s = 0; s < 2; s++) for (int k = 0; k < 8; k++) want[s * 8 + k] = (float) all[s * 12 + 4 + k];
            assertArrayEquals(want, t.toFloatArray(), 0f);
            assertMessage("reads to element 25, past its 24", () -> npy.copyTo(t, new Block(17, 8, 0, 8, 8, 1)));
        }
    }

    @Test
    void aFortranOrderFileIsReadInCOrderBlockByBlock() throws IOException {
        // a [T=3, B=4, 5] float32 array saved column-major (as numpy saves np.asfortranarray(x)): element
        // (t, b, k) at t + 3·b + 12·k in the file; its values are their own C-order indices
        int t = 3, b = 4, n = 5;
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(4 * t * b * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < n; k++) for (int j = 0; j < b; j++) for (int s = 0; s < t; s++) data.putFloat((s * b + j) * n + k);
        float nan = Float.NaN;
        Path f = dir.resolve("f.npy");
        Files.write(f, NpyWriter.bytes(new NpyHeader("<f4", true, new int[] {t, b, n}), data.array()));
        try (Backend be = new ReferenceBackend(); NpyFile npy = NpyFile.open(f); Tensor x = be.allocate(Precision.FP32, t, 2, n)) {
            assertTrue(npy.fortranOrder());
            assertFalse(npy.matches(Precision.FP32), "converted, not copied");
            assertEquals(37.0, npy.getDouble(37));
            // batch rows 1..2 of every step, as infer's chunks read them
            npy.copyTo(x, new Block(n, (long) b * n, 0, 2L * n, 2L * n, t));
            float[] want = new float[t * 2 * n];
            for (int s = 0; s < t; s++) for (int i = 0; i < 2 * n; i++) want[s * 2 * n + i] = (s * b + 1) * n + i;
            assertArrayEquals(want, x.toFloatArray(), 0f);
            assertEquals(-1, npy.firstNonFinite());
            // whole steps of 20 elements (a tile of 16 and one of 4), and runs 7 apart (a pitch that is no
            // axis step: each element's place worked out on its own)
            for (int[] run : new int[][] {{20, 20}, {5, 7}}) {
                try (Tensor y = be.allocate(Precision.FP64, 3, run[0])) {
                    npy.copyTo(y, new Block(0, run[1], 0, run[0], run[0], 3));
                    double[] w = new double[3 * run[0]];
                    for (int r = 0; r < 3; r++) for (int i = 0; i < run[0]; i++) w[r * run[0] + i] = r * run[1] + i;
                    assertArrayEquals(w, y.toDoubleArray(), 0.0, "runs of " + run[0] + ", " + run[1] + " apart");
                }
            }
        }
        data.putFloat(4 * (2 + 3 * 1 + 12 * 4), nan); // (t 2, b 1, k 4): C-order index 2·20 + 1·5 + 4 = 49
        Files.write(f, NpyWriter.bytes(new NpyHeader("<f4", true, new int[] {t, b, n}), data.array()));
        try (NpyFile npy = NpyFile.open(f)) {
            assertEquals(49, npy.firstNonFinite());
        }
    }

    @Test
    void longRunsAreReadFromTheFileBitForBitInStagedBatches() {
        // a [T=7, B=3, 8192] float32 file; batch rows 1..2 are runs of 2·8192 values (64 KiB: read, not
        // copied from the mapping), staged three runs at a time, so the last batch is one run
        int t = 7, b = 3, n = 8192;
        float[] v = new float[t * b * n];
        for (int i = 0; i < v.length; i++) v[i] = Float.intBitsToFloat(0x3f800000 + i * 7919) * (i % 2 == 0 ? 1 : -1);
        Path f = dir.resolve("x.npy");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(4L * v.length, 4);
            MemorySegment.copy(v, 0, m, ValueLayout.JAVA_FLOAT, 0, v.length);
            NpyWriter.write(f, m, Precision.FP32, t, b, n);
        }
        long old = NpyFile.readStagingBytes;
        NpyFile.readStagingBytes = 3 * 2 * n * 4;
        try (Backend be = new VectorBackend(1); NpyFile npy = NpyFile.open(f); Tensor x = be.allocate(Precision.FP32, t, 2, n)) {
            assertTrue(2L * n * 4 >= NpyFile.READ_MIN_RUN_BYTES, "the runs take the read path");
            npy.copyTo(x, new Block(n, (long) b * n, 0, 2L * n, 2L * n, t));
            float[] want = new float[t * 2 * n];
            for (int s = 0; s < t; s++) System.arraycopy(v, (s * b + 1) * n, want, s * 2 * n, 2 * n);
            float[] got = x.toFloatArray();
            for (int i = 0; i < want.length; i++) assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "element " + i);
        } finally {
            NpyFile.readStagingBytes = old;
        }
    }

    @Test
    void integersAreCheckedAndNarrowed() throws IOException {
        assertArrayEquals(new int[] {5, 3, 1}, NpyReader.readInts(Fixtures.path("npy/i8_lengths.npy")));
        assertArrayEquals(new int[] {5, 3, 1}, NpyReader.readInts(Fixtures.path("npy/i4_lengths.npy")));
        NpyWriter.writeLongs(dir.resolve("big.npy"), new long[] {1, 1L << 40}, 2);
        assertMessage("value 1099511627776 at index 1 does not fit an int", () -> NpyReader.readInts(dir.resolve("big.npy")));
        NpyWriter.writeLongs(dir.resolve("m.npy"), new long[] {1, 2, 3, 4}, 2, 2);
        assertMessage("expected a 1-D integer array, found shape [2, 2]", () -> NpyReader.readInts(dir.resolve("m.npy")));
        assertMessage("unsupported dtype '<f8' (expected int32", () -> NpyReader.readInts(Fixtures.path("npy/f8_2x3x4.npy")));
        try (Backend be = new ReferenceBackend()) {
            assertMessage("unsupported dtype '<i8' (expected float32", () -> NpyReader.upload(Fixtures.path("npy/i8_lengths.npy"), be, Precision.FP32));
        }
    }

    @Test
    void tensorsAndSegmentsAreWrittenStraightAndReadBackBitForBit() {
        float[] v = {1.5f, -0.0f, Float.MIN_VALUE, 3e38f, -7, 0.1f};
        try (Backend be = new VectorBackend(1); Tensor t = be.upload(Precision.FP32, v, 3, 2); Arena arena = Arena.ofConfined()) {
            NpyWriter.write(dir.resolve("t.npy"), t);
            MemorySegment seg = arena.allocate(6 * 8L);
            for (int i = 0; i < 6; i++) seg.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v[i] / 3.0);
            NpyWriter.write(dir.resolve("s.npy"), seg, Precision.FP64, 2, 3);
            try (NpyFile a = NpyFile.open(dir.resolve("t.npy")); NpyFile b = NpyFile.open(dir.resolve("s.npy"))) {
                assertArrayEquals(new int[] {3, 2}, a.shape());
                assertArrayEquals(v, a.toFloatArray(), 0f);
                assertArrayEquals(seg.toArray(ValueLayout.JAVA_DOUBLE), b.toDoubleArray(), 0.0);
                assertTrue(a.matches(Precision.FP32) && b.matches(Precision.FP64));
            }
            assertMessage("needs 48 bytes of fp64, found a segment of 40", () -> NpyWriter.write(dir.resolve("bad.npy"), seg.asSlice(0, 40), Precision.FP64, 2, 3));
        }
    }

    @Test
    void piecesMayArriveInAnyOrderButAllMustArrive() {
        float[] v = {1, 2, 3, 4, 5, 6};
        try (NpyOutput out = NpyOutput.create(dir.resolve("p.npy"), Precision.FP32, 2, 3)) {
            out.write(MemorySegment.ofArray(v), new Block(3, 3, 3, 3, 3, 1));
            out.write(MemorySegment.ofArray(v), Block.contiguous(0, 0, 3));
            out.finish();
        }
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, NpyReader.readFloats(dir.resolve("p.npy")).data(), 0.0);
        NpyOutput part = NpyOutput.create(dir.resolve("q.npy"), Precision.FP32, 2, 3);
        part.write(MemorySegment.ofArray(v), Block.contiguous(0, 0, 3));
        assertMessage("wrote 12 of 24 data bytes", part::finish);
        try (NpyOutput o = NpyOutput.create(dir.resolve("r.npy"), Precision.FP32, 2, 3)) {
            assertMessage("writes to element 7, past the array's 6", () -> o.write(MemorySegment.ofArray(v), Block.contiguous(0, 4, 3)));
        }
    }

    @Test
    void aClosedFileIsUnmappedAndSaysSo() throws IOException {
        NpyFile f = NpyFile.open(Fixtures.path("npy/f4_2x3x4.npy"));
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, f::toFloatArray);
        Path empty = Files.createFile(dir.resolve("e.npy"));
        assertMessage("empty file", () -> NpyFile.open(empty));
        assertFalse(Files.exists(dir.resolve("missing.npy")));
        assertMessage("missing.npy: no such file", () -> NpyFile.open(dir.resolve("missing.npy")));
    }
}
