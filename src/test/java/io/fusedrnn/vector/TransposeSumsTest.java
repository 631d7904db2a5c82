package io.fusedrnn.vector;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * {@link VecMath#transposeSums}, the backward's dA transpose with the bias sums on the way: whole and
 * short 16-row strips, column ranges that start and end inside a vector and cover none, against a
 * plain transpose and sums that add each column's rows in order (so bitwise), float and double.
 * Cells outside the range must stay as they were.
 */
class TransposeSumsTest {
    @ParameterizedTest(name = "{0} rows x {1} cols, columns {2}..{3}")
    @CsvSource({"48, 64, 0, 64", "50, 37, 3, 34", "16, 40, 5, 6", "7, 33, 0, 33", "33, 20, 9, 9", "3200, 96, 17, 90"})
    void matchesTheTransposeAndTheRowOrderSums(int rows, int cols, int j0, int j1) {
        Random rnd = new Random(rows * 31L + cols);
        float[] fs = new float[rows * cols];
        double[] ds = new double[rows * cols];
        for (int i = 0; i < fs.length; i++) {
            fs[i] = (float) rnd.nextGaussian();
            ds[i] = rnd.nextGaussian();
        }
        int so = 2;
        float[] fd = new float[rows * cols], fsum = new float[cols + so], fdWant = new float[rows * cols], fsumWant = new float[cols + so];
        double[] dd = new double[rows * cols], dsum = new double[cols + so], ddWant = new double[rows * cols], dsumWant = new double[cols + so];
        java.util.Arrays.fill(fd, -7f);
        java.util.Arrays.fill(fdWant, -7f);
        java.util.Arrays.fill(dd, -7);
        java.util.Arrays.fill(ddWant, -7);
        for (int j = 0; j < cols + so; j++) {
            fsum[j] = fsumWant[j] = j * 0.25f;
            dsum[j] = dsumWant[j] = j * 0.25;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = j0; j < j1; j++) {
                fdWant[j * rows + i] = fs[i * cols + j];
                fsumWant[so + j] += fs[i * cols + j];
                ddWant[j * rows + i] = ds[i * cols + j];
                dsumWant[so + j] += ds[i * cols + j];
            }
        }
        new FloatMath().transposeSums(fs, rows, cols, j0, j1, fd, fsum, so);
        new DoubleMath().transposeSums(ds, rows, cols, j0, j1, dd, dsum, so);
        assertArrayEquals(fdWant, fd, 0f, "float transpose");
        assertArrayEquals(fsumWant, fsum, 0f, "float sums");
        assertArrayEquals(ddWant, dd, 0, "double transpose");
        assertArrayEquals(dsumWant, dsum, 0, "double sums");
    }
}
