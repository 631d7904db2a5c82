package io.fusedrnn.spark;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.unsafe.Platform;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes one top-level column of Spark's internal rows straight into its Parquet leaf column
 * (parquet-mr's {@link ColumnWriter}, or {@link FloatPages}, which takes a float array at once),
 * computing each value's repetition and definition levels for the schema Spark itself writes (a
 * nullable field is optional; an array is a 3-level LIST whose
 * element is optional when the array may hold nulls). Supports numbers, booleans, strings, binary
 * and arrays of those to any depth: one leaf per column.
 */
final class ColumnShredder {
    private static final int BOOLEAN = 0, BYTE = 1, SHORT = 2, INT = 3, LONG = 4, FLOAT = 5, DOUBLE = 6, BINARY = 7, STRING = 8;

    private final int ordinal;
    private final boolean nullable;
    /** Whether the array at each nesting level may hold nulls (its length is the nesting depth). */
    private final boolean[] containsNull;
    private final int leaf;
    private final int maxRepetition;
    private final int maxDefinition;
    private ColumnWriter out;

    private ColumnShredder(int ordinal, StructField field) {
        this.ordinal = ordinal;
        this.nullable = field.nullable();
        List<Boolean> levels = new ArrayList<>();
        DataType t = field.dataType();
        int definition = nullable ? 1 : 0;
        while (t instanceof ArrayType a) {
            levels.add(a.containsNull());
            definition += a.containsNull() ? 2 : 1;
            t = a.elementType();
        }
        this.containsNull = new boolean[levels.size()];
        for (int i = 0; i < containsNull.length; i++) containsNull[i] = levels.get(i);
        this.leaf = kind(t);
        this.maxRepetition = containsNull.length;
        this.maxDefinition = definition;
    }

    /** Whether every column of the schema is one this class writes (else Spark's own writer must). */
    static boolean supports(StructField[] fields) {
        for (StructField f : fields) {
            DataType t = f.dataType();
            while (t instanceof ArrayType a) t = a.elementType();
            if (kind(t) < 0) return false;
        }
        return true;
    }

    /**
     * One shredder per field, each bound to its leaf in {@code columns} (the Parquet schema's
     * leaves, in field order), checking that the levels it computes are the schema's.
     */
    static ColumnShredder[] of(StructField[] fields, List<ColumnDescriptor> columns) {
        if (columns.size() != fields.length) {
            throw new IllegalStateException("Parquet schema has " + columns.size() + " leaf columns for " + fields.length + " fields");
        }
        ColumnShredder[] all = new ColumnShredder[fields.length];
        for (int i = 0; i < fields.length; i++) {
            all[i] = new ColumnShredder(i, fields[i]);
            ColumnDescriptor c = columns.get(i);
            if (c.getMaxRepetitionLevel() != all[i].maxRepetition || c.getMaxDefinitionLevel() != all[i].maxDefinition) {
                throw new IllegalStateException("column " + fields[i].name() + ": Parquet levels " + c.getMaxRepetitionLevel() + "/"
                        + c.getMaxDefinitionLevel() + ", computed " + all[i].maxRepetition + "/" + all[i].maxDefinition);
            }
        }
        return all;
    }

    private static int kind(DataType t) {
        return switch (t) {
            case BooleanType x -> BOOLEAN;
            case ByteType x -> BYTE;
            case ShortType x -> SHORT;
            case IntegerType x -> INT;
            case LongType x -> LONG;
            case FloatType x -> FLOAT;
            case DoubleType x -> DOUBLE;
            case BinaryType x -> BINARY;
            case StringType x -> STRING;
            default -> -1;
        };
    }

    /** Binds this column to the leaf writer of the current row group (parquet-mr's, or {@link FloatPages} for a float leaf). */
    void bind(ColumnWriter writer) {
        out = writer;
    }

    /** Writes this column of one row (a new record: repetition level 0). */
    void write(InternalRow row) {
        if (row.isNullAt(ordinal)) {
            out.writeNull(0, 0);
            return;
        }
        int d = nullable ? 1 : 0;
        if (containsNull.length == 0) value(row, ordinal, 0, d);
        else array(row.getArray(ordinal), 0, 0, d);
    }

    /** The array at nesting {@code level}, whose first element repeats at {@code rl} and which is defined at {@code dl}. */
    private void array(ArrayData a, int level, int rl, int dl) {
        int n = a.numElements();
        if (n == 0) {
            out.writeNull(rl, dl);
            return;
        }
        boolean optional = containsNull[level];
        int inner = dl + 1, d = optional ? inner + 1 : inner, again = level + 1;
        if (again == containsNull.length && leaf == FLOAT) { // the float matrices: the hot loop
            if (out instanceof FloatPages bulk && !(optional && anyNull(a, n))) { // the whole array at once
                bulk.values(a, n, rl, again, d);
                return;
            }
            for (int j = 0; j < n; j++) {
                int r = j == 0 ? rl : again;
                if (optional && a.isNullAt(j)) out.writeNull(r, inner);
                else out.write(a.getFloat(j), r, d);
            }
            return;
        }
        for (int j = 0; j < n; j++) {
            int r = j == 0 ? rl : again;
            if (optional && a.isNullAt(j)) out.writeNull(r, inner);
            else if (again < containsNull.length) array(a.getArray(j), again, r, d);
            else value(a, j, r, d);
        }
    }

    private static boolean anyNull(ArrayData a, int n) {
        if (a instanceof UnsafeArrayData u) { // its null bits, a word at a time
            for (int w = 0; w < (n + 63) / 64; w++) {
                if (Platform.getLong(u.getBaseObject(), u.getBaseOffset() + 8 + 8L * w) != 0) return true;
            }
            return false;
        }
        for (int j = 0; j < n; j++) {
            if (a.isNullAt(j)) return true;
        }
        return false;
    }

    private void value(SpecializedGetters g, int i, int rl, int dl) {
        switch (leaf) {
            case BOOLEAN -> out.write(g.getBoolean(i), rl, dl);
            case BYTE -> out.write((int) g.getByte(i), rl, dl);
            case SHORT -> out.write((int) g.getShort(i), rl, dl);
            case INT -> out.write(g.getInt(i), rl, dl);
            case LONG -> out.write(g.getLong(i), rl, dl);
            case FLOAT -> out.write(g.getFloat(i), rl, dl);
            case DOUBLE -> out.write(g.getDouble(i), rl, dl);
            case BINARY -> out.write(Binary.fromConstantByteArray(g.getBinary(i)), rl, dl);
            default -> out.write(Binary.fromConstantByteArray(g.getUTF8String(i).getBytes()), rl, dl);
        }
    }
}
