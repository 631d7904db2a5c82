package io.fusedrnn.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.statistics.SizeStatistics;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ColumnParquetFormat writes what Spark's Parquet writer writes: the same rows come back, through
 * Spark's vectorized reader and through parquet-mr's record reader, with the same Parquet schema and
 * Spark metadata in every footer, nulls and empty arrays at every level included. Float columns
 * without dictionary go through FloatPages (bulk pages): the same rows, and the same column-chunk
 * statistics, encodings and level histograms as parquet-mr's per-value writer, over many pages and
 * row groups, NaN and signed zeros included.
 */
class ColumnParquetFormatTest {
    static SparkSession spark;
    static Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.session("local[2]");
        dir = TestSpark.temp("columnparquet");
    }

    static ArrayType array(DataType element, boolean containsNull) {
        return DataTypes.createArrayType(element, containsNull);
    }

    static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("tag", DataTypes.StringType, true)
            .add("flag", DataTypes.BooleanType, true)
            .add("b", DataTypes.ByteType, true)
            .add("s", DataTypes.ShortType, false)
            .add("i", DataTypes.IntegerType, true)
            .add("f", DataTypes.FloatType, true)
            .add("d", DataTypes.DoubleType, false)
            .add("bytes", DataTypes.BinaryType, true)
            .add("x", array(array(DataTypes.FloatType, true), true), true)
            .add("y", array(array(DataTypes.FloatType, false), false), true)
            .add("h", array(array(DataTypes.DoubleType, false), false), false)
            .add("words", array(DataTypes.StringType, true), true)
            .add("cube", array(array(array(DataTypes.IntegerType, true), true), false), true);

    /** Seeded rows with nulls and empty arrays wherever the schema allows them. */
    static List<Row> rows(int count, long seed) {
        Random r = new Random(seed);
        List<Row> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            out.add(RowFactory.create((long) k, r.nextInt(5) == 0 ? null : "t" + r.nextInt(100), maybe(r, r.nextBoolean()),
                    maybe(r, (byte) r.nextInt()), (short) r.nextInt(), maybe(r, r.nextInt()), maybe(r, r.nextFloat() - 0.5f),
                    r.nextGaussian(), r.nextInt(5) == 0 ? null : new byte[] {(byte) k, (byte) r.nextInt()},
                    maybe(r, floats(r, true)), maybe(r, floats(r, false)), doubles(r), maybe(r, words(r)), maybe(r, cube(r))));
        }
        return out;
    }

    static <T> T maybe(Random r, T value) {
        return r.nextInt(6) == 0 ? null : value;
    }

    static Float[][] floats(Random r, boolean nulls) {
        Float[][] m = new Float[r.nextInt(5)][];
        for (int t = 0; t < m.length; t++) {
            if (nulls && r.nextInt(6) == 0) continue;
            m[t] = new Float[r.nextInt(4)];
            for (int j = 0; j < m[t].length; j++) m[t][j] = nulls && r.nextInt(6) == 0 ? null : r.nextFloat() * 2 - 1;
        }
        return m;
    }

    static double[][] doubles(Random r) {
        double[][] m = new double[r.nextInt(4)][3];
        for (double[] row : m) for (int j = 0; j < row.length; j++) row[j] = r.nextGaussian();
        return m;
    }

    static String[] words(Random r) {
        String[] w = new String[r.nextInt(4)];
        for (int j = 0; j < w.length; j++) w[j] = r.nextInt(4) == 0 ? null : "w" + r.nextInt(9);
        return w;
    }

    static Integer[][][] cube(Random r) {
        Integer[][][] c = new Integer[r.nextInt(3)][][];
        for (int a = 0; a < c.length; a++) {
            c[a] = new Integer[r.nextInt(3)][];
            for (int b = 0; b < c[a].length; b++) {
                if (r.nextInt(5) == 0) continue;
                c[a][b] = new Integer[r.nextInt(3)];
                for (int j = 0; j < c[a][b].length; j++) c[a][b][j] = r.nextInt(5) == 0 ? null : r.nextInt(100);
            }
        }
        return c;
    }

    static List<Path> parts(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
        }
    }

    static ParquetMetadata footer(Path file) throws IOException {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
            return r.getFooter();
        }
    }

    /** The rows read back sorted by id, as strings (arrays and binary spelled out), with the given reader. */
    static List<String> readBack(Path out, boolean vectorized) {
        spark.conf().set("spark.sql.parquet.enableVectorizedReader", Boolean.toString(vectorized));
        try {
            Dataset<Row> back = spark.read().parquet(out.toString()).orderBy("id");
            List<String> all = new ArrayList<>();
            for (Row row : back.collectAsList()) all.add(show(row));
            return all;
        } finally {
            spark.conf().unset("spark.sql.parquet.enableVectorizedReader");
        }
    }

    static String show(Object v) {
        return switch (v) {
            case null -> "null";
            case Row row -> {
                List<String> f = new ArrayList<>();
                for (int i = 0; i < row.size(); i++) f.add(show(row.get(i)));
                yield f.toString();
            }
            case byte[] b -> Arrays.toString(b);
            case scala.collection.Seq<?> s -> {
                List<String> f = new ArrayList<>();
                s.foreach(e -> f.add(show(e)));
                yield f.toString();
            }
            default -> v.toString();
        };
    }

    @Test
    void writesTheRowsSchemaAndMetadataSparksWriterWrites() throws IOException {
        List<Row> rows = rows(300, 3);
        Dataset<Row> df = spark.createDataFrame(rows, SCHEMA).repartition(3);
        Path theirs = dir.resolve("spark"), ours = dir.resolve("ours");
        df.write().parquet(theirs.toString());
        df.write().format(ColumnParquetFormat.NAME).save(ours.toString());

        assertTrue(Files.exists(ours.resolve("_SUCCESS")), "Spark's commit protocol: _SUCCESS");
        assertEquals(spark.read().parquet(theirs.toString()).schema(), spark.read().parquet(ours.toString()).schema());
        List<String> want = readBack(theirs, true);
        assertEquals(300, want.size());
        assertSameRows(want, readBack(ours, true), "Spark's vectorized reader");
        assertSameRows(want, readBack(ours, false), "parquet-mr's record reader");

        ParquetMetadata a = footer(parts(theirs).getFirst()), b = footer(parts(ours).getFirst());
        assertEquals(a.getFileMetaData().getSchema(), b.getFileMetaData().getSchema());
        assertEquals(a.getFileMetaData().getKeyValueMetaData(), b.getFileMetaData().getKeyValueMetaData());
        assertEquals(3, parts(ours).size());
        assertEquals(parts(theirs).stream().map(p -> p.getFileName().toString().replaceAll("part-(\\d+)-.*", "$1")).toList(),
                parts(ours).stream().map(p -> p.getFileName().toString().replaceAll("part-(\\d+)-.*", "$1")).toList());
    }

    @Test
    void manyRowGroupsAndOptionsAreHonoured() throws IOException {
        List<Row> rows = rows(400, 4);
        Path theirs = dir.resolve("groups-spark");
        spark.createDataFrame(rows, SCHEMA).coalesce(1).write().parquet(theirs.toString());
        for (String dictionary : new String[] {"false"}) { // the float columns in bulk pages, the others through parquet-mr's writers
            Path ours = dir.resolve("groups-" + dictionary);
            spark.createDataFrame(rows, SCHEMA).coalesce(1).write().format(ColumnParquetFormat.NAME).option("parquet.enable.dictionary", dictionary)
                    .option("parquet.block.size", "4096").option("compression", "zstd").save(ours.toString());
            ParquetMetadata m = footer(parts(ours).getFirst());
            assertTrue(m.getBlocks().size() > 3, "row groups: " + m.getBlocks().size());
            assertEquals(400, m.getBlocks().stream().mapToLong(b -> b.getRowCount()).sum());
            assertEquals("ZSTD", m.getBlocks().getFirst().getColumns().getFirst().getCodec().name());
            assertTrue(parts(ours).getFirst().getFileName().toString().endsWith(".zstd.parquet"));
            assertSameRows(readBack(theirs, true), readBack(ours, true), "row groups of 4 KiB, zstd, dictionary " + dictionary);
            assertSameRows(readBack(theirs, false), readBack(ours, false), "row groups of 4 KiB, zstd, dictionary " + dictionary + ", parquet-mr");
        }
    }

    /** Pages of the column {@code column} in row group {@code group} of {@code file}, from its offset index. */
    static OffsetIndex pages(Path file, int group, String column) throws IOException {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
            BlockMetaData block = r.getFooter().getBlocks().get(group);
            for (ColumnChunkMetaData c : block.getColumns()) {
                if (c.getPath().toDotString().startsWith(column + ".") || c.getPath().toDotString().equals(column)) return r.readOffsetIndex(c);
            }
            throw new AssertionError("no column " + column);
        }
    }

    /** The column chunks of two one-row-group files agree on statistics, encodings, value counts and level histograms. */
    static void assertSameChunks(ParquetMetadata want, ParquetMetadata got) {
        assertEquals(1, want.getBlocks().size());
        assertEquals(1, got.getBlocks().size());
        List<ColumnChunkMetaData> a = want.getBlocks().getFirst().getColumns(), b = got.getBlocks().getFirst().getColumns();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            String c = a.get(i).getPath().toDotString();
            assertEquals(a.get(i).getStatistics(), b.get(i).getStatistics(), c + ": statistics");
            assertEquals(a.get(i).getStatistics().getNumNulls(), b.get(i).getStatistics().getNumNulls(), c + ": nulls");
            assertEquals(a.get(i).getEncodings(), b.get(i).getEncodings(), c + ": encodings");
            assertEquals(a.get(i).getValueCount(), b.get(i).getValueCount(), c + ": values");
            SizeStatistics sa = a.get(i).getSizeStatistics(), sb = b.get(i).getSizeStatistics();
            assertNotNull(sb, c + ": size statistics");
            assertEquals(sa.getRepetitionLevelHistogram(), sb.getRepetitionLevelHistogram(), c + ": repetition levels");
            assertEquals(sa.getDefinitionLevelHistogram(), sb.getDefinitionLevelHistogram(), c + ": definition levels");
        }
    }

    @Test
    void floatColumnsWrittenInBulkMatchParquetMrsPerValueWriter() throws IOException {
        List<Row> rows = rows(300, 6);
        Dataset<Row> df = spark.createDataFrame(rows, SCHEMA).coalesce(1);
        Path bulk = dir.resolve("bulk"), perValue = dir.resolve("per-value");
        df.write().format(ColumnParquetFormat.NAME).option("parquet.enable.dictionary", "false").option("parquet.page.size", "512")
                .save(bulk.toString());
        df.write().format(ColumnParquetFormat.NAME).option("parquet.enable.dictionary", "false").option("parquet.page.size", "512")
                .option(ColumnParquetWriter.BULK, "false").save(perValue.toString());
        List<String> want = readBack(perValue, true); // parquet-mr's per-value writer, whose files are Spark's (the test above)
        assertSameRows(want, readBack(bulk, true), "bulk floats, Spark's vectorized reader");
        assertSameRows(want, readBack(bulk, false), "bulk floats, parquet-mr's record reader");
        assertSameChunks(footer(parts(perValue).getFirst()), footer(parts(bulk).getFirst()));
        var pv = footer(parts(perValue).getFirst()).getFileMetaData();
        var b = footer(parts(bulk).getFirst()).getFileMetaData();
        assertEquals(pv.getSchema(), b.getSchema());
        assertEquals(pv.getKeyValueMetaData(), b.getKeyValueMetaData());
        OffsetIndex ours = pages(parts(bulk).getFirst(), 0, "y"), parquetMr = pages(parts(perValue).getFirst(), 0, "y");
        assertTrue(ours.getPageCount() > 10, "pages of y: " + ours.getPageCount());
        assertNotEquals(parquetMr.getPageCount(), ours.getPageCount(), "the option switches the writer (pages are cut differently)");
        for (int p = 1; p < ours.getPageCount(); p++) { // each page starts a row and ends once it holds 512 bytes
            assertTrue(ours.getFirstRowIndex(p) > ours.getFirstRowIndex(p - 1), "page " + p + " starts a later row");
        }
    }

    @Test
    void bulkFloatsKeepNanSignedZerosAndInfinitiesAsParquetMrsWriter() throws IOException { // page statistics: FloatPagesTest
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("m", array(array(DataTypes.FloatType, false), false), false).add("v", DataTypes.FloatType, true);
        float[][] special = {{-0f, 0f}, {0f, -0f}, {Float.NaN, 1f}, {2f, Float.NaN, -3f}, {Float.POSITIVE_INFINITY, -1f},
                {Float.NEGATIVE_INFINITY}, {Float.NaN}, {5f, 0f}};
        int[] masks = {0b11111111, 0b01000100, 0b10110011}; // all; NaN first; signed zeros and infinities: a file each
        List<Row> rows = new ArrayList<>();
        for (int g = 0; g < masks.length; g++) { // 8 rows per file, cycling through the file's arrays
            int mask = masks[g];
            int[] members = java.util.stream.IntStream.range(0, special.length).filter(k -> (mask >> k & 1) != 0).toArray();
            for (int i = 0; i < 8; i++) {
                int k = members[i % members.length];
                rows.add(RowFactory.create(100L * g + i, new float[][] {special[k], {0.5f}}, k % 3 == 0 ? null : special[k][0]));
            }
        }
        var sc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset<Row> df = spark.createDataFrame(sc.parallelize(rows, masks.length), schema); // partition g holds file g's rows
        Path bulk = dir.resolve("nan"), perValue = dir.resolve("nan-per-value");
        df.write().format(ColumnParquetFormat.NAME).option("parquet.enable.dictionary", "false").save(bulk.toString());
        df.write().format(ColumnParquetFormat.NAME).option("parquet.enable.dictionary", "false").option(ColumnParquetWriter.BULK, "false")
                .save(perValue.toString());
        assertEquals(masks.length, parts(bulk).size());
        for (int g = 0; g < masks.length; g++) assertSameChunks(footer(parts(perValue).get(g)), footer(parts(bulk).get(g)));
        assertSameRows(readBack(perValue, true), readBack(bulk, true), "special floats, vectorized");
        assertSameRows(readBack(perValue, false), readBack(bulk, false), "special floats, parquet-mr");
        Path only = dir.resolve("nan-only-floats"); // every column in bulk pages: no parquet-mr column writer at all
        df.select("m", "v").coalesce(1).write().format(ColumnParquetFormat.NAME).option("parquet.enable.dictionary", "false").save(only.toString());
        for (boolean vectorized : new boolean[] {true, false}) {
            spark.conf().set("spark.sql.parquet.enableVectorizedReader", Boolean.toString(vectorized));
            try {
                List<String> want = new ArrayList<>(), got = new ArrayList<>();
                for (Row row : spark.read().parquet(perValue.toString()).select("m", "v").collectAsList()) want.add(show(row));
                for (Row row : spark.read().parquet(only.toString()).collectAsList()) got.add(show(row));
                want.sort(null);
                got.sort(null);
                assertSameRows(want, got, "floats only, vectorized " + vectorized);
            } finally {
                spark.conf().unset("spark.sql.parquet.enableVectorizedReader");
            }
        }
    }

    static void assertSameRows(List<String> want, List<String> got, String what) {
        assertEquals(want.size(), got.size(), what + ": rows");
        for (int k = 0; k < want.size(); k++) assertEquals(want.get(k), got.get(k), what + ": row " + k);
    }

    @Test
    void sparksLegacyListLayoutIsWrittenAsSparkWritesIt() throws IOException {
        List<Row> rows = rows(120, 5);
        Path theirs = dir.resolve("legacy-spark"), ours = dir.resolve("legacy-ours");
        spark.conf().set("spark.sql.parquet.writeLegacyFormat", "true");
        try {
            spark.createDataFrame(rows, SCHEMA).coalesce(1).write().parquet(theirs.toString());
            spark.createDataFrame(rows, SCHEMA).coalesce(1).write().format(ColumnParquetFormat.NAME).option("parquet.enable.dictionary", "false")
                    .save(ours.toString()); // floats in bulk pages, the other columns through parquet-mr's writers
        } finally {
            spark.conf().unset("spark.sql.parquet.writeLegacyFormat");
        }
        assertEquals(footer(parts(theirs).getFirst()).getFileMetaData().getSchema(), footer(parts(ours).getFirst()).getFileMetaData().getSchema());
        assertSameRows(readBack(theirs, false), readBack(ours, false), "legacy lists, parquet-mr's record reader");
        assertSameRows(readBack(theirs, true), readBack(ours, true), "legacy lists, Spark's vectorized reader");
    }

    @Test
    void aColumnOfAnotherTypeGoesThroughSparksWriter() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("when", DataTypes.TimestampType)
                .add("pair", new StructType().add("a", DataTypes.IntegerType));
        assertFalse(ColumnShredder.supports(schema.fields()));
        assertTrue(ColumnShredder.supports(SCHEMA.fields()));
        Path out = dir.resolve("other");
        Dataset<Row> df = spark.sql("SELECT id, timestamp'2026-11-30 12:00:00' AS when, named_struct('a', CAST(id AS INT)) AS pair FROM range(5)");
        df.write().format(ColumnParquetFormat.NAME).save(out.toString());
        assertEquals(5, spark.read().parquet(out.toString()).where("pair.a = id").count());
    }
}
