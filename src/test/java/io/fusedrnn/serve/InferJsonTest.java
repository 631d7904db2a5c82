package io.fusedrnn.serve;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The answer's JSON, written by hand for speed, is byte for byte what Jackson's generator writes. */
class InferJsonTest {
    private static final float[] SPECIAL = {0f, -0f, 1f, -1f, 0.1f, 1e-45f, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1e7f, 1e-3f, 9.999999e-4f,
        123456.79f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    private static float[][] matrix(Random r, int rows, int cols) {
        float[][] m = new float[rows][cols];
        for (float[] row : m) {
            for (int i = 0; i < cols; i++) {
                row[i] = switch (r.nextInt(4)) {
                    case 0 -> SPECIAL[r.nextInt(SPECIAL.length)];
                    case 1 -> Float.intBitsToFloat(r.nextInt()); // any bits: subnormals, NaNs, huge and tiny
                    default -> (float) r.nextGaussian();
                };
            }
        }
        return m;
    }

    @Test
    void writesWhatJacksonWritesForEveryKindOfFloatAndEveryChoiceOfOutputs() {
        Random r = new Random(5);
        for (int k = 0; k < 200; k++) {
            int t = 1 + r.nextInt(6), w = 1 + r.nextInt(9), n = 1 + r.nextInt(3);
            float[][] y = r.nextInt(3) == 0 ? null : matrix(r, t, w);
            float[][] h = r.nextInt(3) == 0 ? null : matrix(r, n, w);
            float[][] c = r.nextInt(3) == 0 ? null : matrix(r, n, w);
            RnnResult result = new RnnResult(y, h, c);
            byte[] want = InferJson.writeJackson(result), got = InferJson.write(result);
            assertArrayEquals(want, got, () -> new String(got, StandardCharsets.ISO_8859_1) + "\nagainst\n" + new String(want, StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void anAnswerWithNothingInItIsAnEmptyObject() {
        assertEquals("{}", new String(InferJson.write(new RnnResult(null, null, null)), StandardCharsets.ISO_8859_1));
    }
}
