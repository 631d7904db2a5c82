package io.fusedrnn.spark;

import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.column.statistics.SizeStatistics;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.statistics.geospatial.GeospatialStatistics;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * FloatPages hands parquet-mr's page writer the page statistics parquet-mr's own column writer
 * computes for the same values (min and max bit for bit, null count, value and row counts, level
 * histograms), with NaN and signed zeros anywhere in an array, arrays in Spark's row format and not.
 * (Footers drop min/max of a chunk holding NaN, so only the page writer sees the difference.)
 */
class FloatPagesTest {
    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message m { optional group y (LIST) { repeated group list { required group element (LIST) {"
                    + " repeated group list { required float element; } } } } }");

    /** Records what each writePage is given. */
    private static final class Pages implements PageWriter {
        final List<Statistics<?>> stats = new ArrayList<>();
        final List<SizeStatistics> sizes = new ArrayList<>();
        final List<int[]> counts = new ArrayList<>();

        @Override
        public void writePage(BytesInput bytes, int valueCount, int rowCount, Statistics<?> statistics, SizeStatistics sizeStatistics,
                              GeospatialStatistics geo, Encoding rl, Encoding dl, Encoding values) {
            stats.add(statistics);
            sizes.add(sizeStatistics);
            counts.add(new int[] {valueCount, rowCount});
        }

        @Override
        public void writePage(BytesInput bytes, int valueCount, int rowCount, Statistics<?> statistics, SizeStatistics sizeStatistics,
                              Encoding rl, Encoding dl, Encoding values) {
            writePage(bytes, valueCount, rowCount, statistics, sizeStatistics, null, rl, dl, values);
        }

        @Override
        public void writePage(BytesInput bytes, int valueCount, int rowCount, Statistics<?> statistics, Encoding rl, Encoding dl, Encoding values) {
            writePage(bytes, valueCount, rowCount, statistics, null, null, rl, dl, values);
        }

        @Override
        public void writePage(BytesInput bytes, int valueCount, Statistics<?> statistics, Encoding rl, Encoding dl, Encoding values) {
            throw new AssertionError("a page without its row count");
        }

        @Override
        public void writePageV2(int rowCount, int nullCount, int valueCount, BytesInput rl, BytesInput dl, Encoding dataEncoding,
                                BytesInput data, Statistics<?> statistics) {
            throw new AssertionError("a V2 page");
        }

        @Override
        public long getMemSize() {
            return 0;
        }

        @Override
        public long allocatedSize() {
            return 0;
        }

        @Override
        public void writeDictionaryPage(DictionaryPage page) {
            throw new AssertionError("a dictionary page");
        }

        @Override
        public String memUsageString(String prefix) {
            return prefix;
        }
    }

    /** n values 0, 0.5, 1, ... (n > 16 spans a 512-bit vector and a tail), with {@code value} at {@code at}. */
    static float[] ramp(int n, int at, float value) {
        float[] a = new float[n];
        for (int j = 0; j < n; j++) a[j] = 0.5f * j;
        a[at] = value;
        return a;
    }

    @Test
    void pageStatisticsAreParquetMrs() {
        float[][][] rows = {
                {{-0f, 0f, 3f}, {1f}},
                {{0f, -0f}},
                {{2f, Float.NaN, -3f}, {Float.NaN}},
                {},
                null,
                {{Float.POSITIVE_INFINITY, -1f, Float.NEGATIVE_INFINITY}},
                {{Float.NaN, 1f, -0f}},
                {{5f, 0f, 7f, 8f}, {0.25f, -2f}},
                {{Float.NaN, -9f}}, // the least value only beside a NaN
                // arrays longer than a vector (min/max run a vector at a time, then the tail one by one)
                {ramp(37, 20, Float.NaN)}, // a NaN inside the vectors
                {ramp(40, 35, -7f), ramp(40, 10, 99f)}, // the least in the tail, the greatest inside the vectors
                {ramp(33, 17, -0f), ramp(33, 32, Float.NaN)}, // a NaN in the tail only
                {ramp(48, 3, -0f)},
        };
        ParquetProperties props = ParquetProperties.builder().withDictionaryEncoding(false).build();
        ColumnDescriptor column = SCHEMA.getColumns().getFirst();
        for (int from = 0; from < rows.length; from++) { // each suffix of the rows: NaN first, in the middle, or not at all
            for (boolean unsafe : new boolean[] {true, false}) {
                Pages parquetMr = new Pages(), ours = new Pages();
                ColumnWriteStore store = props.newColumnWriteStore(SCHEMA, c -> parquetMr, c -> null);
                ColumnWriter theirs = store.getColumnWriter(column);
                FloatPages bulk = new FloatPages(column, props);
                bulk.bind(ours);
                for (int k = from; k < rows.length; k++) {
                    float[][] row = rows[k];
                    if (row == null) {
                        theirs.writeNull(0, 0);
                        bulk.writeNull(0, 0);
                    } else if (row.length == 0) {
                        theirs.writeNull(0, 1);
                        bulk.writeNull(0, 1);
                    } else {
                        for (int t = 0; t < row.length; t++) {
                            for (int j = 0; j < row[t].length; j++) theirs.write(row[t][j], t == 0 && j == 0 ? 0 : j == 0 ? 1 : 2, 3);
                            Object[] boxed = new Object[row[t].length];
                            for (int j = 0; j < boxed.length; j++) boxed[j] = row[t][j];
                            bulk.values(unsafe ? UnsafeArrayData.fromPrimitiveArray(row[t]) : new GenericArrayData(boxed), row[t].length,
                                    t == 0 ? 0 : 1, 2, 3);
                        }
                    }
                    store.endRecord();
                    bulk.endRow();
                }
                store.flush();
                bulk.flush();
                String what = "rows " + from + ".., " + (unsafe ? "UnsafeArrayData" : "GenericArrayData");
                assertEquals(1, parquetMr.stats.size(), what);
                assertEquals(1, ours.stats.size(), what);
                Statistics<?> a = parquetMr.stats.getFirst(), b = ours.stats.getFirst();
                assertEquals(a.hasNonNullValue(), b.hasNonNullValue(), what + ": has values");
                if (a.hasNonNullValue()) {
                    assertEquals(Float.floatToRawIntBits((Float) a.genericGetMin()), Float.floatToRawIntBits((Float) b.genericGetMin()), what + ": min");
                    assertEquals(Float.floatToRawIntBits((Float) a.genericGetMax()), Float.floatToRawIntBits((Float) b.genericGetMax()), what + ": max");
                }
                assertEquals(a.getNumNulls(), b.getNumNulls(), what + ": nulls");
                assertEquals(parquetMr.counts.getFirst()[0], ours.counts.getFirst()[0], what + ": values");
                assertEquals(parquetMr.counts.getFirst()[1], ours.counts.getFirst()[1], what + ": rows");
                assertEquals(parquetMr.sizes.getFirst().getRepetitionLevelHistogram(), ours.sizes.getFirst().getRepetitionLevelHistogram(), what);
                assertEquals(parquetMr.sizes.getFirst().getDefinitionLevelHistogram(), ours.sizes.getFirst().getDefinitionLevelHistogram(), what);
            }
        }
    }
}
