package io.fusedrnn.spark;

import io.fusedrnn.FusedRnnException;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/**
 * The input column's contract: array&lt;array&lt;number&gt;&gt; of [T][I], one sequence per row, T
 * free per row. Checks the schema on the driver and reads each row's value on the executor, naming
 * the row (its id, or its position in the partition), the column, what was expected and found.
 */
final class SequenceColumn {
    private SequenceColumn() {
    }

    /** Index of the column in the schema, or a one-line error naming the columns there are. */
    static int index(StructType schema, String column, String what) {
        for (int i = 0; i < schema.fields().length; i++) {
            if (schema.fields()[i].name().equals(column)) return i;
        }
        throw new FusedRnnException(what + " '" + column + "': not found; the input has columns " + Arrays.toString(schema.fieldNames()));
    }

    /** Checks that a column holds sequences: array&lt;array&lt;float, double or another number type&gt;&gt;. */
    static void checkType(StructType schema, String column) {
        DataType t = schema.fields()[index(schema, column, "column")].dataType();
        if (!(t instanceof ArrayType outer && outer.elementType() instanceof ArrayType inner
                && inner.elementType() instanceof NumericType)) {
            throw new FusedRnnException("column '" + column + "': expected array<array<float|double>> (one sequence [T][I] per row), found "
                    + t.simpleString());
        }
    }

    /**
     * Reads one row's sequence as row-major [T][inputSize] doubles.
     *
     * @param where names the row in an error ("row id=7", "row 3 of partition 0")
     * @return the values; their count divided by {@code inputSize} is T (0 allowed)
     */
    static double[] read(Row row, int index, String column, int inputSize, String where) {
        Object value = row.get(index);
        if (value == null) throw bad(where, column, "expected a sequence [T][" + inputSize + "], found null");
        scala.collection.Seq<?> steps = (scala.collection.Seq<?>) value;
        int t = steps.length();
        double[] out = new double[Math.multiplyExact(t, inputSize)];
        int first = -1;
        for (int s = 0; s < t; s++) {
            Object step = steps.apply(s);
            if (step == null) throw bad(where, column, "step " + s + ": expected " + inputSize + " values, found null");
            scala.collection.Seq<?> values = (scala.collection.Seq<?>) step;
            int n = values.length();
            if (s == 0) first = n;
            if (n != inputSize) {
                String ragged = s > 0 && n != first ? " (a ragged row: step 0 has " + first + ")" : "";
                throw bad(where, column, "step " + s + ": expected " + inputSize + " values (the model's input size), found " + n + ragged);
            }
            for (int j = 0; j < n; j++) {
                Object v = values.apply(j);
                if (v == null) throw bad(where, column, "step " + s + ", value " + j + ": expected a number, found null");
                out[s * inputSize + j] = ((Number) v).doubleValue();
            }
        }
        return out;
    }

    private static FusedRnnException bad(String where, String column, String detail) {
        return new FusedRnnException(where + ", column '" + column + "': " + detail);
    }
}
