package io.fusedrnn.vector;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector cells' exp gives the same bits in every JIT tier: in this JVM once C2 has compiled it, in a
 * child JVM that only interprets ({@code -Xint}) and in one that stops at C1. With the Vector API's own
 * EXP (SVML under C2, {@code Math.exp} per lane in the fallbacks) the -Xint comparison fails: round 4
 * measured 4 changes in 36 000 identical sweeps, and {@code infer} wrote different bytes on each run.
 * Its lanes equal the scalar steps bit for bit and {@code Math.exp} within 2 ulp.
 */
class ExpBitsTest {
    private static final int N = 4096;

    /** Inputs: the edges (0, ±∞, NaN, the clamp bounds and past them) and a spread of gate pre-activations. */
    static float[] inputs() {
        float[] x = new float[N];
        float[] edges = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, FloatExp.HI, FloatExp.LO,
            Math.nextUp(FloatExp.HI), Math.nextDown(FloatExp.LO), 89f, -104f, 200f, -200f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.34657359f, -0.34657359f};
        System.arraycopy(edges, 0, x, 0, edges.length);
        Random r = new Random(11);
        for (int i = edges.length; i < N; i++) x[i] = i % 3 == 0 ? (r.nextFloat() * 2 - 1) * 90 : (float) r.nextGaussian() * 6;
        return x;
    }

    /** exp, σ(a + b) and tanh(a + b) of the inputs through the vector kernels, as one hex line. */
    static String kernelBits() {
        float[] x = inputs(), e = x.clone(), b = new float[N], s = x.clone(), t = x.clone();
        for (int i = 0; i < N; i += FloatGemm.L) FloatExp.exp(e, i, 1);
        FloatMath m = new FloatMath();
        m.sigmoidOfSum(s, 0, b, 0, N, N, 0);
        m.tanhOfSum(t, 0, b, 0, N, N, 0);
        StringBuilder sb = new StringBuilder();
        for (float[] a : new float[][] {e, s, t}) for (float v : a) sb.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(',');
        return sb.toString();
    }

    /** Entry point of the child JVMs: prints {@link #kernelBits()}. */
    public static void main(String[] args) {
        System.out.println(kernelBits());
    }

    @Test
    void vectorLanesEqualTheScalarStepsAndMathExpWithinTwoUlp() {
        float[] x = inputs();
        for (int rep = 0; rep < 3000; rep++) kernelBits(); // let C2 compile the kernels (the other tiers run in the children)
        float[] e = x.clone();
        for (int i = 0; i < N; i += FloatGemm.L) FloatExp.exp(e, i, 1);
        for (int i = 0; i < N; i++) {
            assertEquals(Float.floatToRawIntBits(FloatExp.exp(x[i])), Float.floatToRawIntBits(e[i]), "lane of exp(" + x[i] + ")");
            if (x[i] >= FloatExp.LO && x[i] <= FloatExp.HI) {
                float want = (float) Math.exp(x[i]);
                assertTrue(Math.abs(e[i] - want) <= 2 * Math.ulp(want), "exp(" + x[i] + ") = " + e[i] + ", Math.exp " + want);
            }
        }
        assertTrue(Float.isNaN(e[17]), "exp(NaN) is NaN");
        assertEquals((float) Math.exp(FloatExp.HI), e[7], 2 * Math.ulp((float) Math.exp(FloatExp.HI)), "exp(HI)");
    }

    @Test
    void doubleLanesEqualTheScalarStepsAndMathExpWithinTwoUlp() {
        Random r = new Random(5);
        double[] x = new double[N], e = new double[N];
        for (int i = 0; i < N; i++) x[i] = i % 2 == 0 ? (r.nextDouble() * 2 - 1) * 700 : r.nextGaussian() * 6;
        for (int rep = 0; rep < 200; rep++) {
            System.arraycopy(x, 0, e, 0, N);
            for (int i = 0; i < N; i += DoubleGemm.L) DoubleExp.exp(e, i, 1);
        }
        for (int i = 0; i < N; i++) {
            assertEquals(Double.doubleToRawLongBits(DoubleExp.exp(x[i])), Double.doubleToRawLongBits(e[i]), "lane of exp(" + x[i] + ")");
            double want = Math.exp(x[i]);
            assertTrue(Math.abs(e[i] - want) <= 2 * Math.ulp(want), "exp(" + x[i] + ") = " + e[i] + ", Math.exp " + want);
        }
    }

    /**
     * Saturated gates stay out of the subnormal range, where every operation takes a microcode assist (σ
     * of inputs past ±88 ran 4× slower before round 19's clamp): e^x at the clamp and σ of large negative
     * inputs are normal numbers, in float and double (the old clamp fails both); tanh of large inputs stays ±1.
     */
    @Test
    void saturatedGatesStayNormal() {
        float[] big = {-200f, -120f, -89f, -88f, 89f, 200f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f};
        float[] fs = java.util.Arrays.copyOf(big, FloatGemm.L), ft = fs.clone(), fe = fs.clone(), zf = new float[fs.length];
        FloatMath fm = new FloatMath();
        fm.sigmoidOfSum(fs, 0, zf, 0, fs.length, fs.length, 0);
        fm.tanhOfSum(ft, 0, zf, 0, ft.length, ft.length, 0);
        fe[0] = FloatExp.LO;
        FloatExp.exp(fe, 0, 1);
        assertTrue(fe[0] >= Float.MIN_NORMAL, "float e^LO = " + fe[0]);
        for (int i = 0; i < 6; i++) {
            assertTrue(fs[i] >= Float.MIN_NORMAL, "float σ(" + big[i] + ") = " + fs[i]);
            assertEquals(Math.signum(big[i]), ft[i], "float tanh(" + big[i] + ")");
        }
        double[] db = new double[DoubleGemm.L], dz = new double[db.length];
        db[0] = -2000;
        db[1] = -710;
        double[] ds = db.clone(), de = new double[db.length];
        new DoubleMath().sigmoidOfSum(ds, 0, dz, 0, ds.length, ds.length, 0);
        de[0] = DoubleExp.LO;
        DoubleExp.exp(de, 0, 1);
        assertTrue(de[0] >= Double.MIN_NORMAL, "double e^LO = " + de[0]);
        assertTrue(ds[0] >= Double.MIN_NORMAL && ds[1] >= Double.MIN_NORMAL, "double σ(-2000), σ(-710) = " + ds[0] + ", " + ds[1]);
    }

    @Test
    void interpretedAndC1BitsEqualC2Bits() throws Exception {
        String here = kernelBits();
        for (int rep = 0; rep < 3000; rep++) kernelBits();
        String compiled = kernelBits();
        sameBits(here, compiled, "this JVM before and after compiling the kernels");
        sameBits(compiled, child("-Xint"), "interpreted (-Xint) against compiled");
        sameBits(compiled, child("-XX:TieredStopAtLevel=1"), "C1 against compiled");
    }

    /** Fails with the count of differing values and the first one (the lines are 12 288 values long). */
    private static void sameBits(String want, String got, String what) {
        String[] a = want.split(","), b = got.split(",");
        assertEquals(a.length, b.length, what + ": number of values");
        int diff = 0, first = -1;
        for (int i = 0; i < a.length; i++) {
            if (!a[i].equals(b[i])) {
                diff++;
                if (first < 0) first = i;
            }
        }
        final int f = first, d = diff;
        assertEquals(0, d, () -> what + ": " + d + " of " + a.length + " values differ, first at " + f
                + " (" + new String[] {"exp", "sigmoid", "tanh"}[f / N] + " of input " + f % N + "): " + a[f] + " against " + b[f]);
    }

    private static String child(String mode) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), mode, "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), ExpBitsTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var in = p.getInputStream()) {
            in.transferTo(out);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), mode + " child did not finish");
        assertEquals(0, p.exitValue(), mode + " child failed");
        return out.toString(StandardCharsets.US_ASCII).trim();
    }
}
