package io.fusedrnn.spark;

import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.column.statistics.SizeStatistics;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.statistics.geospatial.GeospatialStatistics;
import org.apache.parquet.io.ParquetEncodingException;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.unsafe.Platform;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * The data pages of one float leaf column, encoded here in bulk and handed to parquet-mr's page
 * writer ({@link PageWriter#writePage}, which compresses, checksums, writes the Thrift header and
 * keeps the column index). Pages are V1, PLAIN: the levels as {@link LevelRuns}, then the floats
 * little-endian, copied an array at a time ({@link #values}); the page statistics (min/max by
 * parquet-mr's own {@link Statistics} object, nulls, level histograms) are those parquet-mr's
 * column writer would record. A page ends at a row boundary once it holds the page size or the
 * page row limit. Used by {@link ColumnParquetWriter} for float columns without dictionary, bloom
 * filter or byte-stream split, in place of parquet-mr's per-value {@code ColumnWriter}.
 */
final class FloatPages implements ColumnWriter {
    private static final VarHandle FLOAT_LE = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FLOATS = BYTES.withLanes(float.class);
    private static final boolean NATIVE_LE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final ColumnDescriptor column;
    private final PrimitiveType type;
    private final int pageBytes;
    private final int pageRows;
    private final boolean statistics;
    private final boolean sizeStatistics;
    private final LevelRuns repetition;
    private final LevelRuns definition;
    private byte[] values = new byte[1 << 16];
    private byte[] levelBytes = new byte[1 << 10];
    private int bytes;
    private int count;
    private int nulls;
    private int rows;
    private Statistics<?> stats;
    private PageWriter out;

    FloatPages(ColumnDescriptor column, ParquetProperties props) {
        this.column = column;
        this.type = column.getPrimitiveType();
        this.pageBytes = props.getPageSizeThreshold();
        this.pageRows = props.getPageRowCountLimit();
        this.statistics = props.getStatisticsEnabled(column);
        this.sizeStatistics = props.getSizeStatisticsEnabled(column);
        this.repetition = new LevelRuns(column.getMaxRepetitionLevel());
        this.definition = new LevelRuns(column.getMaxDefinitionLevel());
        newPage();
    }

    /** Whether this class writes {@code column} as parquet-mr would with these properties (V1 pages, PLAIN floats). */
    static boolean handles(ColumnDescriptor column, ParquetProperties props) {
        return column.getPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FLOAT
                && props.getWriterVersion() == ParquetProperties.WriterVersion.PARQUET_1_0
                && !props.isDictionaryEnabled(column) && !props.isByteStreamSplitEnabled(column) && !props.isBloomFilterEnabled(column);
    }

    /** Starts the column chunk of a new row group on {@code pages}. */
    void bind(PageWriter pages) {
        out = pages;
    }

    /**
     * The {@code n} (≥ 1) non-null floats of array {@code a}, the first repeating at level {@code rl},
     * the others at {@code again}, all defined at {@code dl}.
     */
    void values(ArrayData a, int n, int rl, int again, int dl) {
        repetition.add(rl, 1);
        if (n > 1) repetition.add(again, n - 1);
        definition.add(dl, n);
        count += n;
        int need = bytes + 4 * n;
        if (need > values.length) values = Arrays.copyOf(values, Math.max(need, 2 * values.length));
        int at = bytes;
        if (NATIVE_LE && a instanceof UnsafeArrayData u) { // Spark's row format: the floats are one native-order block
            Platform.copyMemory(u.getBaseObject(), u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n),
                    values, Platform.BYTE_ARRAY_OFFSET + at, 4L * n);
        } else {
            for (int j = 0; j < n; j++) FLOAT_LE.set(values, at + 4 * j, a.getFloat(j));
        }
        bytes = need;
        // least and greatest a vector at a time on little-endian hosts, whose bytes read as floats in place
        // (Math.min/max semantics: a NaN anywhere makes lo NaN)
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        int p = at;
        if (NATIVE_LE) {
            FloatVector vlo = FloatVector.broadcast(FLOATS, lo), vhi = FloatVector.broadcast(FLOATS, hi);
            for (int step = BYTES.length(); p + step <= need; p += step) {
                FloatVector v = ByteVector.fromArray(BYTES, values, p).reinterpretAsFloats();
                vlo = vlo.min(v);
                vhi = vhi.max(v);
            }
            lo = vlo.reduceLanes(VectorOperators.MIN);
            hi = vhi.reduceLanes(VectorOperators.MAX);
        }
        for (; p < need; p += 4) {
            float v = (float) FLOAT_LE.get(values, p);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (Float.isNaN(lo)) { // parquet-mr's order (Float.compare) places NaN above all: give it every value
            for (int q = at; q < need; q += 4) stats.updateStats((float) FLOAT_LE.get(values, q));
        } else { // the array's least and greatest update min and max as each of its values would
            stats.updateStats(lo);
            stats.updateStats(hi);
        }
    }

    @Override
    public void write(float value, int rl, int dl) {
        repetition.add(rl, 1);
        definition.add(dl, 1);
        count++;
        if (bytes + 4 > values.length) values = Arrays.copyOf(values, 2 * values.length);
        FLOAT_LE.set(values, bytes, value);
        bytes += 4;
        stats.updateStats(value);
    }

    @Override
    public void writeNull(int rl, int dl) {
        repetition.add(rl, 1);
        definition.add(dl, 1);
        count++;
        nulls++;
    }

    /** Ends a row: writes the page once it holds the page size or the page row limit. */
    void endRow() {
        rows++;
        if (rows >= pageRows || bytes + repetition.maxBytes() + definition.maxBytes() >= pageBytes) writePage();
    }

    /** Writes the page in progress, if any (at the end of a row group). */
    void flush() {
        if (count > 0) writePage();
    }

    private void writePage() {
        int maxR = column.getMaxRepetitionLevel(), maxD = column.getMaxDefinitionLevel();
        int need = (maxR > 0 ? repetition.maxBytes() : 0) + (maxD > 0 ? definition.maxBytes() : 0);
        if (need > levelBytes.length) levelBytes = new byte[Math.max(need, 2 * levelBytes.length)];
        int head = 0;
        if (maxR > 0) head = repetition.write(levelBytes, head);
        if (maxD > 0) head = definition.write(levelBytes, head);
        stats.incrementNumNulls(nulls);
        SizeStatistics size = sizeStatistics
                ? new SizeStatistics(type, 0L, maxR > 0 ? repetition.histogram() : new java.util.ArrayList<>(),
                        maxD > 1 ? definition.histogram() : new java.util.ArrayList<>())
                : SizeStatistics.noopBuilder(type, maxR, maxD).build();
        Encoding r = maxR > 0 ? Encoding.RLE : Encoding.BIT_PACKED, d = maxD > 0 ? Encoding.RLE : Encoding.BIT_PACKED; // as parquet-mr's V1 writer
        try { // parquet-mr copies the bytes (into its chunk buffer) before returning: the buffers are reused
            out.writePage(BytesInput.concat(BytesInput.from(levelBytes, 0, head), BytesInput.from(values, 0, bytes)), count, rows,
                    stats, size, GeospatialStatistics.noopBuilder().build(), r, d, Encoding.PLAIN); // floats have no geospatial statistics
        } catch (IOException e) {
            throw new ParquetEncodingException("could not write page for " + column, e);
        }
        newPage();
    }

    private void newPage() {
        repetition.clear();
        definition.clear();
        bytes = 0;
        count = 0;
        nulls = 0;
        rows = 0;
        stats = statistics ? Statistics.createStats(type) : Statistics.noopStats(type);
    }

    @Override
    public long getBufferedSizeInMemory() {
        return bytes + repetition.maxBytes() + definition.maxBytes() + (out == null ? 0 : out.getMemSize());
    }

    @Override
    public void close() {
    }

    @Override
    public void write(int value, int rl, int dl) {
        throw notFloat("int");
    }

    @Override
    public void write(long value, int rl, int dl) {
        throw notFloat("long");
    }

    @Override
    public void write(boolean value, int rl, int dl) {
        throw notFloat("boolean");
    }

    @Override
    public void write(Binary value, int rl, int dl) {
        throw notFloat("binary");
    }

    @Override
    public void write(double value, int rl, int dl) {
        throw notFloat("double");
    }

    private UnsupportedOperationException notFloat(String what) {
        return new UnsupportedOperationException("column " + List.of(column.getPath()) + " is float; a " + what + " value was written to it");
    }
}
