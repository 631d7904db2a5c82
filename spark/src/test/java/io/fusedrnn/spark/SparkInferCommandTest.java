package io.fusedrnn.spark;

import io.fusedrnn.model.RnnConfig;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** spark-infer on the shared local[2] session: outputs equal each sequence run alone; bad input exits 2 with one line and no output. */
class SparkInferCommandTest {
    static TestSpark.Fixture f;

    @BeforeAll
    static void start() {
        f = TestSpark.fixture("cli", RnnConfig.lstm(5, 6, 0, 1, true), 21, RnnConfig.gru(5, 4, 2, false, true), 22);
    }

    /** Runs the command on the shared session; returns {exit status, stderr}. */
    static Object[] run(String... args) {
        SparkInferCommand cmd = new SparkInferCommand();
        new CommandLine(cmd).parseArgs(args);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = cmd.run(f.spark(), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Object[] {status, err.toString(StandardCharsets.UTF_8)};
    }

    static List<String> siblings(Path output) throws IOException {
        try (Stream<Path> s = Files.list(output.getParent())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(output.getFileName().toString())).toList();
        }
    }

    @Test
    void parquetInParquetOutEqualsEachSequenceRunAlone() {
        List<Row> rows = TestModels.rows(29, 5, 11, 7);
        Path in = f.dir().resolve("in.parquet"), out = f.dir().resolve("out-lstm");
        f.spark().createDataFrame(rows, TestModels.SCHEMA).write().parquet(in.toString());
        Object[] r = run("--weights", f.lstm().toString(), "--input", in.toString(), "--output", out.toString(),
                "--backend", "vector", "--batch-size", "4", "--id-column", "id", "--keep-input");
        assertEquals(0, r[0], (String) r[1]);
        assertEquals("", r[1]);
        List<Row> got = f.spark().read().parquet(out.toString()).collectAsList();
        assertEquals(List.of("id", "tag", "x", "y", "h_n", "c_n"), List.of(f.spark().read().parquet(out.toString()).schema().fieldNames()));
        RnnTransformerTest.assertEachRowRunsAlone(f.lstm(), rows, got, true);
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        try (Stream<Path> parts = Files.list(out)) { // spark-infer's Parquet: uncompressed unless --compression says
            Path part = parts.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
            assertEquals("UNCOMPRESSED", ColumnParquetFormatTest.footer(part).getBlocks().getFirst().getColumns().getFirst().getCodec().name());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theSchemaReadFromAFooterIsTheOneSparkInfers() {
        Path in = f.dir().resolve("footer.parquet");
        f.spark().createDataFrame(TestModels.rows(6, 5, 4, 3), TestModels.SCHEMA).repartition(2).write().parquet(in.toString());
        StructType footer = ParquetFooters.schema(in).orElseThrow();
        assertEquals(f.spark().read().parquet(in.toString()).schema(), f.spark().read().schema(footer).parquet(in.toString()).schema());
        assertEquals(TestModels.SCHEMA.fieldNames().length, footer.fields().length);
        assertTrue(ParquetFooters.schema(f.dir().resolve("nothing-here")).isEmpty());
    }

    @Test
    void oneJsonFileIsSpreadOverTheCoresAndWrittenAsJson() throws IOException {
        List<Row> rows = TestModels.rows(17, 5, 6, 8);
        Path staged = f.dir().resolve("staged-json"), in = f.dir().resolve("in.json"), out = f.dir().resolve("out-gru");
        f.spark().createDataFrame(rows, TestModels.SCHEMA).coalesce(1).write().json(staged.toString());
        try (Stream<Path> parts = Files.list(staged)) {
            Files.copy(parts.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow(), in);
        }
        Object[] r = run("--weights", f.gru().toString(), "--input", in.toString(), "--output", out.toString(),
                "--backend", "vector", "--output-format", "json");
        assertEquals(0, r[0], (String) r[1]);
        List<Row> got = new ArrayList<>();
        for (Row row : f.spark().read().json(out.toString()).select("id", "tag", "y", "h_n").collectAsList()) got.add(row);
        List<String> columns = List.of(f.spark().read().json(out.toString()).schema().fieldNames());
        assertFalse(columns.contains("c_n"), columns::toString);
        assertFalse(columns.contains("x"), columns::toString); // the input's other columns plus the outputs, unless --keep-input
        RnnTransformerTest.assertEachRowRunsAlone(f.gru(), rows, got, false);
    }

    @Test
    void aBadRowExitsTwoWithOneLineAndNoOutput() throws IOException {
        Path in = f.dir().resolve("bad.parquet"), out = f.dir().resolve("out-bad");
        f.spark().createDataFrame(RnnTransformerTest.withRow(new float[][] {new float[5], new float[3]}), TestModels.SCHEMA)
                .write().parquet(in.toString());
        Object[] r = run("--weights", f.gru().toString(), "--input", in.toString(), "--output", out.toString(), "--id-column", "id",
                "--backend", "vector");
        assertEquals(2, r[0]);
        assertEquals("fusedrnn spark-infer: row id=77, column 'x': step 1: expected 5 values (the model's input size), found 3 "
                + "(a ragged row: step 0 has 5)\n", r[1]);
        assertEquals(List.of(), siblings(out), "no output and no temporary directory");
    }

    @Test
    void aMissingColumnExitsTwoBeforeAnyJob() throws IOException {
        Path in = f.dir().resolve("cols.parquet"), out = f.dir().resolve("out-cols");
        f.spark().createDataFrame(TestModels.rows(3, 5, 3, 9), TestModels.SCHEMA).write().parquet(in.toString());
        Object[] r = run("--weights", f.gru().toString(), "--input", in.toString(), "--output", out.toString(), "--column", "seq");
        assertEquals(2, r[0]);
        assertEquals("fusedrnn spark-infer: column 'seq': not found; the input has columns [id, tag, x]\n", r[1]);
        assertEquals(List.of(), siblings(out));
    }

    @Test
    void anExistingOutputIsRefused() throws IOException {
        Path out = Files.createDirectories(f.dir().resolve("taken"));
        Object[] r = run("--weights", f.gru().toString(), "--input", f.dir().toString(), "--output", out.toString(), "--format", "parquet");
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("already exists"), (String) r[1]);
    }

    @Test
    void aBadDriverMemoryIsRefused() throws IOException {
        Path out = f.dir().resolve("out-mem");
        Object[] r = run("--weights", f.gru().toString(), "--input", f.dir().toString(), "--output", out.toString(), "--format", "parquet",
                "--driver-memory", "lots");
        assertEquals(2, r[0]);
        assertEquals("fusedrnn spark-infer: --driver-memory: expected a size such as 1g or 4096m, found 'lots'\n", r[1]);
        assertEquals(List.of(), siblings(out));
    }
}
