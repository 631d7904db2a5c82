package io.fusedrnn.spark;

import io.fusedrnn.FusedRnnException;

import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * The input column's contract: array&lt;array&lt;number&gt;&gt; of [T][I], one sequence per row, T
 * free per row. Checks the schema on the driver, and on the executor copies each row's value
 * (Spark's own {@link ArrayData}, no boxing) into a batch's [T, B, I] buffer, naming the row (its
 * id, or its position in the partition), the column, what was expected and found when it is wrong.
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

    /** Checks that a column holds sequences: array&lt;array&lt;float, double or another number type&gt;&gt;; returns the number type. */
    static NumericType checkType(StructType schema, String column) {
        DataType t = schema.fields()[index(schema, column, "column")].dataType();
        if (!(t instanceof ArrayType outer && outer.elementType() instanceof ArrayType inner
                && inner.elementType() instanceof NumericType number)) {
            throw new FusedRnnException("column '" + column + "': expected array<array<float|double>> (one sequence [T][I] per row), found "
                    + t.simpleString());
        }
        return number;
    }

    /**
     * Copies one sequence [T][inputSize] into row {@code b} of a [steps, batch, inputSize] buffer,
     * checking every step's size and every value for null.
     *
     * @param seq     the row's value (not null), T = {@code seq.numElements()}
     * @param element the number type of the values (from {@link #checkType})
     * @param dst     a {@code float[]} or {@code double[]} of at least T·batch·inputSize values
     * @param where   names row {@code row} in an error ("row id=7", "row 3 of partition 0")
     */
    static void copy(ArrayData seq, NumericType element, int inputSize, Object dst, int batch, int b,
                     String column, IntFunction<String> where, int row) {
        float[] f = dst instanceof float[] a ? a : null;
        double[] d = f == null ? (double[]) dst : null;
        int first = -1;
        for (int s = 0, t = seq.numElements(); s < t; s++) {
            if (seq.isNullAt(s)) throw bad(where.apply(row), column, "step " + s + ": expected " + inputSize + " values, found null");
            ArrayData values = seq.getArray(s);
            int n = values.numElements();
            if (s == 0) first = n;
            if (n != inputSize) {
                String ragged = s > 0 && n != first ? " (a ragged row: step 0 has " + first + ")" : "";
                throw bad(where.apply(row), column, "step " + s + ": expected " + inputSize + " values (the model's input size), found " + n + ragged);
            }
            int at = (s * batch + b) * inputSize;
            for (int j = 0; j < n; j++) {
                if (values.isNullAt(j)) throw bad(where.apply(row), column, "step " + s + ", value " + j + ": expected a number, found null");
            }
            if (f != null && element instanceof FloatType) {
                for (int j = 0; j < n; j++) f[at + j] = values.getFloat(j);
            } else if (d != null && element instanceof DoubleType) {
                for (int j = 0; j < n; j++) d[at + j] = values.getDouble(j);
            } else {
                for (int j = 0; j < n; j++) {
                    double v = value(values, j, element);
                    if (f != null) f[at + j] = (float) v;
                    else d[at + j] = v;
                }
            }
        }
    }

    /** Value j of an array of {@code element}s, as a double. */
    private static double value(ArrayData values, int j, NumericType element) {
        return switch (element) {
            case FloatType x -> values.getFloat(j);
            case DoubleType x -> values.getDouble(j);
            case IntegerType x -> values.getInt(j);
            case LongType x -> values.getLong(j);
            case ShortType x -> values.getShort(j);
            case ByteType x -> values.getByte(j);
            case DecimalType x -> values.getDecimal(j, x.precision(), x.scale()).toDouble();
            default -> throw new FusedRnnException("column: expected float, double, an integer or a decimal type, found " + element.simpleString());
        };
    }

    /** A one-line error naming the row, the column and what was expected and found. */
    static FusedRnnException bad(String where, String column, String detail) {
        return new FusedRnnException(where + ", column '" + column + "': " + detail);
    }
}
