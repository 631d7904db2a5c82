package io.fusedrnn;

import io.fusedrnn.Tensor.Block;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Host copies of every backend's tensors: float[], double[], FloatBuffer and MemorySegment in and
 * out, 2-D blocks and copies between tensors, bit for bit (float32 values survive an FP32 tensor
 * exactly, NaN payloads and -0.0 included), and one-line errors for every misuse. Each backend
 * subclasses this in a few lines.
 */
public abstract class TensorIoContract {
    private static final long SEED = 20261130;
    protected Backend backend;

    /** Opens the backend under test (skips or fails the test when it cannot). */
    protected abstract Backend open();

    @BeforeEach
    void setUp() {
        backend = open();
    }

    @AfterEach
    void tearDown() {
        if (backend != null) backend.close();
    }

    /** Awkward float32 values: signed zeros, a subnormal, extremes, a NaN with a payload, infinities. */
    static float[] values(int n, long salt) {
        Random r = new Random(SEED + salt);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        float[] odd = {-0.0f, 0.0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.intBitsToFloat(0x7fc01234), Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, 1e-40f};
        for (int i = 0; i < Math.min(n, odd.length); i++) v[(i * 7) % n] = odd[i];
        return v;
    }

    static void assertBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), what + "[" + i + "]: " + want[i] + " vs " + got[i]);
        }
    }

    @Test
    void float32ValuesGoInAndOutOfAnFp32TensorBitForBit() {
        float[] v = values(3 * 5 * 7, 1);
        try (Tensor a = backend.upload(Precision.FP32, v, 3, 5, 7);
             Tensor b = backend.upload(Precision.FP32, MemorySegment.ofArray(v), 3, 5, 7);
             Tensor c = backend.upload(Precision.FP32, FloatBuffer.wrap(v), 3, 5, 7)) {
            assertBits(v, a.toFloatArray(), "float[]");
            assertBits(v, b.toFloatArray(), "heap segment");
            assertBits(v, c.toFloatArray(), "FloatBuffer");
            float[] into = new float[v.length];
            a.read(into);
            assertBits(v, into, "read(float[])");
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(v.length * 4L);
                a.read(out);
                assertBits(v, out.toArray(ValueLayout.JAVA_FLOAT), "read(native segment)");
                try (Tensor d = backend.upload(Precision.FP32, out, v.length)) {
                    assertBits(v, d.toFloatArray(), "native segment");
                }
            }
        }
    }

    @Test
    void buffersOfEveryKindAreRead() {
        float[] v = values(40, 2);
        ByteBuffer direct = ByteBuffer.allocateDirect(4 * 44).order(ByteOrder.nativeOrder());
        ByteBuffer big = ByteBuffer.allocate(4 * 40).order(ByteOrder.BIG_ENDIAN);
        for (float f : v) big.putFloat(f);
        direct.position(16);
        for (float f : v) direct.putFloat(f);
        FloatBuffer fromDirect = direct.position(16).slice().order(ByteOrder.nativeOrder()).asFloatBuffer();
        try (Tensor a = backend.upload(Precision.FP32, fromDirect, 40);
             Tensor b = backend.upload(Precision.FP32, big.flip().asFloatBuffer(), 40);
             Tensor c = backend.upload(Precision.FP32, FloatBuffer.wrap(v).asReadOnlyBuffer(), 40);
             Tensor d = backend.upload(Precision.FP32, MemorySegment.ofArray(v.clone()).asReadOnly(), 40)) {
            assertBits(v, a.toFloatArray(), "direct buffer");
            assertBits(v, b.toFloatArray(), "big-endian buffer");
            assertBits(v, c.toFloatArray(), "read-only heap buffer");
            assertBits(v, d.toFloatArray(), "read-only heap segment");
            assertEquals(0, fromDirect.position(), "the caller's buffer position does not move");
        }
    }

    @Test
    void fp64TensorsWidenFloatsAndRoundOnTheWayOut() {
        float[] v = values(12, 3);
        double[] d = new double[12];
        for (int i = 0; i < 12; i++) d[i] = v[i] + (Double.isFinite(v[i]) ? Math.ulp(v[i]) / 4 : 0);
        try (Tensor f64 = backend.upload(Precision.FP64, d, 3, 4); Tensor w = backend.upload(Precision.FP64, v, 12);
             Tensor f32 = backend.upload(Precision.FP32, d, 12)) {
            assertArrayEquals(d, f64.toDoubleArray(), 0.0);
            double[] widened = w.toDoubleArray();
            for (int i = 0; i < 12; i++) assertEquals(Double.doubleToRawLongBits((double) v[i]), Double.doubleToRawLongBits(widened[i]), "widened " + i);
            float[] rounded = new float[12];
            for (int i = 0; i < 12; i++) rounded[i] = (float) d[i];
            assertBits(rounded, f32.toFloatArray(), "double[] rounded into fp32");
            assertBits(rounded, f64.toFloatArray(), "fp64 read as float");
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(12 * 8L);
                f64.read(seg);
                assertArrayEquals(d, seg.toArray(ValueLayout.JAVA_DOUBLE), 0.0, "fp64 segment");
            }
        }
    }

    @Test
    void blocksMoveBatchSlicesAndTransposeOnEveryPath() {
        int t = 5, b = 7, c = 3;
        float[] v = values(t * b * c, 4);
        try (Tensor x = backend.upload(Precision.FP32, v, t, b, c); Arena arena = Arena.ofConfined()) {
            // rows 2..5 of the batch: T runs of 4·C values, B·C apart
            float[] slice = new float[t * 4 * c];
            for (int i = 0; i < t; i++) System.arraycopy(v, (i * b + 2) * c, slice, i * 4 * c, 4 * c);
            Block rows = new Block(2L * c, (long) b * c, 0, 4L * c, 4L * c, t);
            try (Tensor s = backend.allocate(Precision.FP32, t, 4, c)) {
                s.write(MemorySegment.ofArray(v), rows);
                assertBits(slice, s.toFloatArray(), "host block in");
                MemorySegment out = arena.allocate(slice.length * 4L);
                x.read(out, rows);
                assertBits(slice, out.toArray(ValueLayout.JAVA_FLOAT), "host block out");
                s.copyFrom(x, rows);
                assertBits(slice, s.toFloatArray(), "device block");
            }
            for (int[] dims : new int[][] {{t, b, c}, {b, t, c}, {1, 9, 2}, {9, 1, 2}}) {
                int a0 = dims[0], a1 = dims[1], a2 = dims[2];
                float[] src = values(a0 * a1 * a2, 5 + a0), want = new float[src.length];
                for (int i = 0; i < a0; i++) for (int j = 0; j < a1; j++) System.arraycopy(src, (i * a1 + j) * a2, want, (j * a0 + i) * a2, a2);
                try (Tensor in = backend.upload(Precision.FP32, src, a0, a1, a2); Tensor host = backend.allocate(Precision.FP32, a1, a0, a2);
                     Tensor dev = backend.allocate(Precision.FP32, a1, a0, a2)) {
                    MemorySegment out = arena.allocate(src.length * 4L);
                    for (Block k : Block.swapFirstTwo(a0, a1, a2, 0, 0)) {
                        host.write(MemorySegment.ofArray(src), k);
                        dev.copyFrom(in, k);
                        in.read(out, k);
                    }
                    String shape = a0 + "x" + a1 + "x" + a2;
                    assertBits(want, host.toFloatArray(), "transposed in " + shape);
                    assertBits(want, dev.toFloatArray(), "transposed on the backend " + shape);
                    assertBits(want, out.toArray(ValueLayout.JAVA_FLOAT), "transposed out " + shape);
                }
            }
        }
    }

    @Test
    void misuseGetsOneLineNamingTheProblem() {
        try (Tensor a = backend.allocate(Precision.FP32, 2, 3); Tensor d = backend.allocate(Precision.FP64, 2, 3); Arena arena = Arena.ofConfined()) {
            assertMessage("expected a segment of 24 bytes (6 float32 values), found 20 bytes", () -> a.write(arena.allocate(20)));
            assertMessage("expected 6 values, found 5", () -> a.write(new float[5]));
            assertMessage("reaches index 7, past its 6 values", () -> a.write(arena.allocate(64), new Block(0, 3, 1, 3, 3, 2)));
            assertMessage("expected at least 24 bytes", () -> a.write(arena.allocate(16), new Block(0, 3, 0, 3, 3, 2)));
            assertMessage("expected a writable segment", () -> a.read(arena.allocate(24).asReadOnly()));
            assertMessage("destination pitch >= the run length 3", () -> new Block(0, 3, 0, 2, 3, 2));
            assertMessage("non-negative", () -> Block.contiguous(-1, 0, 2));
            assertMessage("expected fp32, found fp64", () -> a.copyFrom(d, Block.contiguous(0, 0, 6)));
            assertMessage("expected another tensor", () -> a.copyFrom(a, Block.contiguous(0, 0, 1)));
            try (Tensor six = backend.allocate(Precision.FP32, 6)) {
                assertMessage("reads to index 8, past its 6 values", () -> a.copyFrom(six, Block.contiguous(2, 0, 6)));
            }
            assertMessage("upload: expected data", () -> backend.upload(Precision.FP32, (float[]) null, 2));
            try (Backend other = new io.fusedrnn.reference.ReferenceBackend(); Tensor o = other.allocate(Precision.FP32, 2, 3)) {
                if (!backend.name().equals("reference")) assertMessage("expected one of backend " + backend.name(), () -> a.copyFrom(o, Block.contiguous(0, 0, 6)));
            }
        }
        Tensor closed = backend.allocate(Precision.FP32, 2);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.write(new float[2]));
        assertThrows(IllegalStateException.class, () -> closed.read(MemorySegment.ofArray(new float[2])));
    }

    @Test
    void emptyBlocksAndEmptyTensorsAreHarmless() {
        try (Tensor z = backend.allocate(Precision.FP32, 0, 4); Tensor a = backend.upload(Precision.FP32, new float[] {1, 2}, 2)) {
            z.write(new float[0]);
            assertEquals(0, z.toFloatArray().length);
            a.write(MemorySegment.ofArray(new float[0]), new Block(0, 0, 0, 0, 0, 5));
            a.copyFrom(z, Block.contiguous(0, 0, 0));
            assertBits(new float[] {1, 2}, a.toFloatArray(), "unchanged");
        }
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        FusedRnnException ex = assertThrows(FusedRnnException.class, e);
        assertTrue(ex.getMessage().contains(part), "expected '" + part + "' in: " + ex.getMessage());
        assertEquals(1, ex.getMessage().lines().count(), "one line: " + ex.getMessage());
    }
}
