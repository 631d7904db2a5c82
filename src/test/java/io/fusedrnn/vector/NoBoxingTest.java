package io.fusedrnn.vector;

import io.fusedrnn.Backend;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PreparedLayer;
import io.fusedrnn.Sweep;
import io.fusedrnn.SweepResult;
import io.fusedrnn.Tensor;
import jdk.incubator.vector.Vector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Once C2 has compiled the kernels, a forward allocates a few objects, not a box per vector. C2 stops
 * inlining a method past its IR node budget; a kernel that grows past it leaves its vector helpers as
 * calls, and every call boxes its vectors (the fused LSTM cell did, at about 100 MB/s). Interpreted and
 * C1 code box too, so the test runs the forward until the allocation per call falls below the bound,
 * and fails only if it never does within the deadline. It runs in a JVM of its own (pom.xml, execution
 * "no-boxing", and "no-boxing-avx2" under -XX:UseAVX=2), so what other tests ran first does not change the profiles C2 compiles from. H = 100 is
 * not a multiple of the vector length: before the layer padded its units (round 17) the cells ran a
 * masked tail there, which took them past the budget (LSTM B64 H100: 4–6 MB per forward).
 */
class NoBoxingTest {
    private static final int B = 16, T = 50;
    /**
     * Per forward on the calling thread, which runs half the cells. Measured: a warm forward allocates
     * 11–19 KiB (h_n and c_n tensors, lambdas); with the fused LSTM cell that boxed, 136–144 KiB.
     */
    private static final long BOUND = 64 * 1024;
    private static final long DEADLINE_NANOS = 20_000_000_000L;

    /**
     * No method of the kernel classes takes or returns a vector: one that C2 leaves as a call (past its
     * node budget, in a compile that inlined other kernels first) then passes arrays and offsets, and
     * costs a call instead of a box per vector.
     */
    @Test
    void noKernelMethodPassesAVector() {
        for (Class<?> c : List.of(VecMath.class, FloatMath.class, DoubleMath.class, FloatGemm.class, DoubleGemm.class, FloatExp.class, DoubleExp.class)) {
            for (Method m : c.getDeclaredMethods()) {
                boolean passes = Vector.class.isAssignableFrom(m.getReturnType())
                        || Arrays.stream(m.getParameterTypes()).anyMatch(Vector.class::isAssignableFrom);
                assertFalse(passes, c.getSimpleName() + "." + m.getName() + " takes or returns a vector: C2 boxes it wherever it does not inline the call");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "gru-reset-before", "lstm 100", "gru 100"})
    void aWarmForwardDoesNotBoxVectors(String name) {
        String cell = name.split(" ")[0];
        int h = name.contains(" ") ? Integer.parseInt(name.split(" ")[1]) : 128;
        LayerSpec s = switch (cell) {
            case "lstm" -> LayerSpec.lstm(h, h);
            case "gru" -> LayerSpec.gru(h, h, true);
            default -> LayerSpec.gru(h, h, false);
        };
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Random rnd = new Random(3);
        double[] xs = new double[T * B * h];
        for (int i = 0; i < xs.length; i++) xs[i] = rnd.nextGaussian();
        try (Backend be = new VectorBackend(2);
             PreparedLayer layer = be.prepare(LayerWeights.random(s, 5), Precision.FP32);
             Tensor x = be.upload(Precision.FP32, xs, T, B, h);
             Tensor y = be.allocate(Precision.FP32, T, B, h)) {
            Sweep sw = Sweep.of(x);
            long end = System.nanoTime() + DEADLINE_NANOS;
            long[] least = {Long.MAX_VALUE, Long.MAX_VALUE};
            while (System.nanoTime() < end) {
                for (int train = 0; train < 2; train++) {
                    long a0 = mx.getCurrentThreadAllocatedBytes();
                    try (SweepResult r = be.forward(layer, sw, y, 0, train == 1)) {
                        least[train] = Math.min(least[train], mx.getCurrentThreadAllocatedBytes() - a0);
                    }
                }
                if (least[0] < BOUND && least[1] < BOUND) return;
            }
            assertTrue(false, cell + ": after " + DEADLINE_NANOS / 1_000_000_000 + " s a forward still allocates "
                    + least[0] / 1024 + " KiB (inference) and " + least[1] / 1024 + " KiB (training) on the calling thread, "
                    + "bound " + BOUND / 1024 + " KiB: a kernel boxes its vectors (check -XX:-TieredCompilation -XX:+PrintInlining)");
        }
    }
}
