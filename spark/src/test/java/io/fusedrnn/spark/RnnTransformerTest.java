package io.fusedrnn.spark;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RnnTransformer on local[2]: every row equals its sequence run alone; bad rows fail with one line; Pipelines save and load. */
class RnnTransformerTest {
    static TestSpark.Fixture f;

    @BeforeAll
    static void start() {
        f = TestSpark.fixture("transformer", RnnConfig.lstm(5, 7, 3, 2, true), 11, RnnConfig.gru(5, 6, 1, false, true), 12);
    }

    static Dataset<Row> table(List<Row> rows) {
        return f.spark().createDataFrame(rows, TestModels.SCHEMA);
    }

    /** Checks every output row against its sequence run alone on the vector backend, and that id and tag passed through. */
    static void assertEachRowRunsAlone(Path weights, List<Row> input, List<Row> output, boolean cn) {
        assertEquals(input.size(), output.size());
        List<Row> sorted = sortedById(output);
        try (Backend be = Backends.open("vector");
             PreparedRnn rnn = RnnModel.load(weights).prepare(be, Precision.FP32)) {
            for (int k = 0; k < input.size(); k++) {
                Row in = input.get(k), out = sorted.get(k);
                assertEquals(in.getLong(0), out.getLong(0));
                assertEquals(in.getString(1), out.getString(1));
                float[][][] want = TestModels.alone(rnn, (float[][]) in.get(2));
                String what = "row id=" + k + " (T=" + ((float[][]) in.get(2)).length + ")";
                assertSameBits(want[0], TestModels.matrix(out, "y"), what + ": y");
                assertSameBits(want[1], TestModels.matrix(out, "h_n"), what + ": h_n");
                if (cn) assertSameBits(want[2], TestModels.matrix(out, "c_n"), what + ": c_n");
            }
        }
    }

    /**
     * Same shape and the same bits: a batched row equals its lone run bit for bit on the vector
     * backend, in a fresh executor JVM too (its exp gives the same bits in every JIT tier: README,
     * "Determinism"; until round 18 this allowed 1e-6 for the interpreted first sweeps).
     */
    static void assertSameBits(float[][] want, float[][] got, String what) {
        assertEquals(want.length, got.length, what + ": rows");
        for (int t = 0; t < want.length; t++) {
            assertEquals(want[t].length, got[t].length, what + ": row " + t + " width");
            for (int j = 0; j < want[t].length; j++) {
                assertEquals(Float.floatToRawIntBits(want[t][j]), Float.floatToRawIntBits(got[t][j]),
                        what + "[" + t + "][" + j + "]: " + want[t][j] + " against " + got[t][j]);
            }
        }
    }

    @Test
    void lstmRowsEqualEachSequenceRunAlone() {
        // bidirectional, 2 layers, projection: lengths and the reverse direction's start per row matter
        List<Row> rows = TestModels.rows(37, 5, 13, 1);
        RnnTransformer t = new RnnTransformer().setWeights(f.lstm().toString()).setBackend("vector").setCnCol("c_n")
                .setBatchSize(4).setSortWindow(3);
        List<Row> out = t.transform(table(rows)).collectAsList();
        assertEachRowRunsAlone(f.lstm(), rows, out, true);
    }

    @Test
    void gruRowsEqualEachSequenceRunAloneWithoutSorting() {
        List<Row> rows = TestModels.rows(23, 5, 9, 2);
        RnnTransformer t = new RnnTransformer().setWeights(f.gru().toString()).setBackend("vector").setBatchSize(5).setSortWindow(1);
        Dataset<Row> out = t.transform(table(rows));
        assertEquals(List.of("id", "tag", "x", "y", "h_n"), List.of(out.schema().fieldNames()));
        assertEachRowRunsAlone(f.gru(), rows, out.collectAsList(), false);
    }

    @Test
    void fp64GivesDoubleColumnsCloseToFp32() {
        List<Row> rows = TestModels.rows(6, 5, 4, 3);
        Dataset<Row> out = new RnnTransformer().setWeights(f.gru().toString()).setBackend("vector").setPrecision("fp64").transform(table(rows));
        assertEquals("array<array<double>>", out.schema().apply("y").dataType().simpleString());
        assertEquals(6, out.count());
    }

    @Test
    void integerDecimalAndDoubleColumnsGiveTheSameRowsAsFloat() {
        Dataset<Row> base = table(TestModels.rows(9, 5, 6, 7)); // values in (-1, 1): scaled to the integers -8..8, exact in every type
        RnnTransformer t = new RnnTransformer().setWeights(f.gru().toString()).setBackend("vector").setBatchSize(4);
        List<Row> want = sortedById(t.transform(base.withColumn("x", functions.expr(
                "transform(x, s -> transform(s, v -> cast(round(v * 8) as float)))"))).collectAsList());
        for (String type : List.of("int", "bigint", "smallint", "tinyint", "decimal(6,2)", "double")) {
            Dataset<Row> in = base.withColumn("x", functions.expr("transform(x, s -> transform(s, v -> cast(round(v * 8) as " + type + ")))"));
            assertEquals("array<array<" + type + ">>", in.schema().apply("x").dataType().simpleString());
            List<Row> got = sortedById(t.transform(in).collectAsList());
            for (int k = 0; k < want.size(); k++) {
                assertSameBits(TestModels.matrix(want.get(k), "y"), TestModels.matrix(got.get(k), "y"), type + " row " + k + ": y");
                assertSameBits(TestModels.matrix(want.get(k), "h_n"), TestModels.matrix(got.get(k), "h_n"), type + " row " + k + ": h_n");
            }
        }
    }

    private static List<Row> sortedById(List<Row> rows) {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong(r -> r.getLong(0)));
        return sorted;
    }

    static FusedRnnException failure(Runnable r) {
        Exception e = assertThrows(Exception.class, r::run);
        Throwable cause = SparkErrors.cause(e);
        assertInstanceOf(FusedRnnException.class, cause, () -> "expected a FusedRnnException inside " + e);
        assertTrue(!cause.getMessage().contains("\n"), "one line: " + cause.getMessage());
        return (FusedRnnException) cause;
    }

    static List<Row> withRow(Object x) {
        List<Row> rows = new ArrayList<>(TestModels.rows(5, 5, 4, 4));
        rows.add(RowFactory.create(77L, "bad", x));
        return rows;
    }

    private static RnnTransformer withIds() {
        return new RnnTransformer().setWeights(f.gru().toString()).setBackend("vector").setIdCol("id");
    }

    @Test
    void aStepOfTheWrongSizeNamesTheRowColumnExpectedAndFound() {
        FusedRnnException e = failure(() -> withIds().transform(table(withRow(new float[][] {new float[4], new float[4]}))).count());
        assertEquals("row id=77, column 'x': step 0: expected 5 values (the model's input size), found 4", e.getMessage());
    }

    @Test
    void aRaggedRowIsNamed() {
        FusedRnnException e = failure(() -> withIds().transform(table(withRow(new float[][] {new float[5], new float[5], new float[6]}))).count());
        assertEquals("row id=77, column 'x': step 2: expected 5 values (the model's input size), found 6 (a ragged row: step 0 has 5)", e.getMessage());
    }

    @Test
    void aNullSequenceIsNamedByPositionWithoutAnIdColumn() {
        FusedRnnException e = failure(() -> new RnnTransformer().setWeights(f.gru().toString()).setBackend("vector")
                .transform(table(withRow(null)).coalesce(1)).count());
        assertEquals("row 5 of partition 0, column 'x': expected a sequence [T][5], found null", e.getMessage());
    }

    @Test
    void aNullStepIsNamed() {
        FusedRnnException e = failure(() -> withIds().transform(table(withRow(new float[][] {new float[5], null}))).count());
        assertEquals("row id=77, column 'x': step 1: expected 5 values, found null", e.getMessage());
    }

    @Test
    void aMissingColumnFailsBeforeAnyJob() {
        FusedRnnException e = failure(() -> withIds().setInputCol("seq").transform(table(TestModels.rows(2, 5, 2, 5))));
        assertEquals("column 'seq': not found; the input has columns [id, tag, x]", e.getMessage());
    }

    @Test
    void aColumnOfTheWrongTypeFailsBeforeAnyJob() {
        FusedRnnException e = failure(() -> withIds().setInputCol("tag").transform(table(TestModels.rows(2, 5, 2, 5))));
        assertEquals("column 'tag': expected array<array<float|double>> (one sequence [T][I] per row), found string", e.getMessage());
    }

    @Test
    void aCellStateColumnOnAGruFails() {
        FusedRnnException e = failure(() -> withIds().setCnCol("c_n").transform(table(TestModels.rows(2, 5, 2, 5))));
        assertTrue(e.getMessage().startsWith("cnCol: the model in "), e.getMessage());
    }

    @Test
    void aPipelineHoldingTheTransformerSavesAndLoads() throws Exception {
        RnnTransformer t = new RnnTransformer().setWeights(f.lstm().toString()).setBackend("vector").setCnCol("c_n")
                .setBatchSize(3).setOutputCol("out").setIdCol("id");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {t});
        Dataset<Row> data = table(TestModels.rows(9, 5, 6, 6));
        PipelineModel fitted = pipeline.fit(data);
        fitted.write().overwrite().save(f.dir().resolve("model").toString());
        pipeline.write().overwrite().save(f.dir().resolve("pipeline").toString());

        PipelineModel loaded = PipelineModel.load(f.dir().resolve("model").toString());
        RnnTransformer back = (RnnTransformer) loaded.stages()[0];
        assertEquals(t.uid(), back.uid());
        assertEquals(3, (Integer) back.getOrDefault(back.batchSize()));
        assertEquals("out", back.getOrDefault(back.outputCol()));
        assertEquals(f.lstm().toString(), back.getOrDefault(back.weights()));
        List<Row> want = fitted.transform(data).orderBy("id").collectAsList();
        List<Row> got = loaded.transform(data).orderBy("id").collectAsList();
        for (int k = 0; k < want.size(); k++) {
            assertArrayEquals(TestModels.matrix(want.get(k), "out"), TestModels.matrix(got.get(k), "out"));
            assertArrayEquals(TestModels.matrix(want.get(k), "c_n"), TestModels.matrix(got.get(k), "c_n"));
        }
        Pipeline again = Pipeline.load(f.dir().resolve("pipeline").toString());
        assertEquals(t.uid(), again.getStages()[0].uid());
    }
}
