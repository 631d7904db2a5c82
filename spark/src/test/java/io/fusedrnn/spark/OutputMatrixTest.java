package io.fusedrnn.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * SequenceBatcher's output matrices: row b of a [n, batch, width] result as one UnsafeArrayData
 * reads back step by step, float and double, odd widths (padded steps) and empty, and survives
 * Spark's UnsafeProjection (what the scan of the transformed rows applies) unchanged.
 */
class OutputMatrixTest {
    @Test
    void rowBOfTheResultReadsBackAndProjects() {
        Random r = new Random(11);
        for (int width : new int[] {1, 3, 8, 65}) {
            for (int rows : new int[] {0, 1, 5}) {
                int n = 6, batch = 3;
                float[] f = new float[n * batch * width];
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = r.nextFloat() - 0.5f;
                    d[i] = r.nextGaussian();
                }
                for (int b = 0; b < batch; b++) {
                    check(SequenceBatcher.matrix(f, rows, batch, b, width), f, null, rows, batch, b, width, DataTypes.FloatType);
                    check(SequenceBatcher.matrix(d, rows, batch, b, width), null, d, rows, batch, b, width, DataTypes.DoubleType);
                }
            }
        }
    }

    private static void check(ArrayData m, float[] f, double[] d, int rows, int batch, int b, int width, DataType element) {
        StructType schema = new StructType().add("m", DataTypes.createArrayType(DataTypes.createArrayType(element, false), false), false);
        InternalRow projected = UnsafeProjection.create(schema).apply(new GenericInternalRow(new Object[] {m}));
        String what = "width " + width + ", rows " + rows + ", b " + b;
        for (ArrayData a : new ArrayData[] {m, projected.getArray(0)}) {
            assertEquals(rows, a.numElements(), what);
            for (int t = 0; t < rows; t++) {
                assertFalse(a.isNullAt(t), what);
                int at = (t * batch + b) * width;
                if (f != null) assertArrayEquals(java.util.Arrays.copyOfRange(f, at, at + width), a.getArray(t).toFloatArray(), what + ", step " + t);
                else assertArrayEquals(java.util.Arrays.copyOfRange(d, at, at + width), a.getArray(t).toDoubleArray(), what + ", step " + t);
            }
        }
    }
}
