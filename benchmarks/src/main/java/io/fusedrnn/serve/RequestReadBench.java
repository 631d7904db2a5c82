package io.fusedrnn.serve;

import io.fusedrnn.model.RnnConfig;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * The cost of reading {@code POST /v1/infer} bodies as {@code ServeBenchmark} sends them (x of T 20..80
 * steps × 64 Gaussian floats as Java's {@code Float.toString} writes them) and as Python's
 * {@code json.dumps} writes a float32 array's values (17 significant digits), with
 * {@link InferJson#read}: nanoseconds per number, medians of 15 passes over 256 bodies of each form.
 * Run: {@code java -cp benchmarks/target/benchmarks.jar io.fusedrnn.serve.RequestReadBench}.
 */
public final class RequestReadBench {
    private static final int I = 64, BODIES = 256;

    private RequestReadBench() {
    }

    /**
     * Prints the medians.
     *
     * @param args none
     */
    public static void main(String[] args) {
        RnnConfig cfg = RnnConfig.lstm(I, 256, 0, 1, false);
        Random r = new Random(7);
        byte[][] java = new byte[BODIES][], python = new byte[BODIES][];
        long numbers = 0;
        for (int k = 0; k < BODIES; k++) {
            int t = 20 + r.nextInt(61);
            StringBuilder j = new StringBuilder("{\"outputs\":[\"h_n\"],\"x\":["), p = new StringBuilder("{\"outputs\": [\"h_n\"], \"x\": [");
            for (int s = 0; s < t; s++) {
                j.append(s == 0 ? "[" : ",[");
                p.append(s == 0 ? "[" : ", [");
                for (int i = 0; i < I; i++) {
                    float f = (float) r.nextGaussian();
                    j.append(i == 0 ? "" : ",").append(f);
                    p.append(i == 0 ? "" : ", ").append(pythonRepr(f));
                }
                j.append(']');
                p.append(']');
            }
            java[k] = j.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
            python[k] = p.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
            numbers += (long) t * I;
        }
        double[] tj = new double[15], tp = new double[15];
        float sink = 0;
        for (int rep = 0; rep < tj.length; rep++) {
            long t0 = System.nanoTime();
            for (byte[] b : java) sink += InferJson.read(b, b.length, cfg, 10_000).x()[0][0];
            long t1 = System.nanoTime();
            for (byte[] b : python) sink += InferJson.read(b, b.length, cfg, 10_000).x()[0][0];
            long t2 = System.nanoTime();
            tj[rep] = (t1 - t0) / (double) numbers;
            tp[rep] = (t2 - t1) / (double) numbers;
        }
        Arrays.sort(tj);
        Arrays.sort(tp);
        System.out.printf("request bodies, ns per number (medians of %d passes over %d bodies, %d numbers each pass): Java's float text %.1f, Python's 17 digits %.1f (%s)%n",
                tj.length, BODIES, numbers, tj[tj.length / 2], tp[tp.length / 2], sink == 12345 ? "" : "ok");
    }

    /** The shortest-round-trip decimal of the float as a double, with 17 significant digits, as Python's repr of a widened float32 mostly is. */
    private static String pythonRepr(float f) {
        String s = new java.math.BigDecimal(f).round(new java.math.MathContext(17)).stripTrailingZeros().toPlainString();
        return s.contains(".") ? s : s + ".0";
    }
}
