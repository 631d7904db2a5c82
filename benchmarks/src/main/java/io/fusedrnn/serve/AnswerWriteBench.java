package io.fusedrnn.serve;

import java.util.Arrays;
import java.util.Random;

/**
 * The cost of writing one {@code POST /v1/infer} answer with y (50 × 256 floats), h_n and c_n:
 * {@link InferJson#write} (by hand, in a StringBuilder) against {@link InferJson#writeJackson}
 * (Jackson's generator), alternating in one JVM, medians of 9 batches of 200.
 * Run: {@code java -cp benchmarks/target/benchmarks.jar io.fusedrnn.serve.AnswerWriteBench}.
 */
public final class AnswerWriteBench {
    private AnswerWriteBench() {
    }

    /**
     * Prints both medians.
     *
     * @param args none
     */
    public static void main(String[] args) {
        Random r = new Random(1);
        float[][] y = new float[50][256];
        for (float[] row : y) for (int i = 0; i < row.length; i++) row[i] = (float) Math.tanh(r.nextGaussian());
        RnnResult res = new RnnResult(y, new float[1][256], new float[1][256]);
        double[] jackson = new double[9], byHand = new double[9];
        for (int rep = 0; rep < 9; rep++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 200; i++) InferJson.writeJackson(res);
            long t1 = System.nanoTime();
            for (int i = 0; i < 200; i++) InferJson.write(res);
            long t2 = System.nanoTime();
            jackson[rep] = (t1 - t0) / 200e6;
            byHand[rep] = (t2 - t1) / 200e6;
        }
        Arrays.sort(jackson);
        Arrays.sort(byHand);
        System.out.printf("answer with y 50x256, h_n, c_n: Jackson's generator %.3f ms, by hand %.3f ms (medians of 9 x 200, alternating)%n",
                jackson[4], byHand[4]);
    }
}
