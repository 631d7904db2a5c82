package io.fusedrnn.spark;

import io.fusedrnn.model.RnnConfig;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * local-cluster[2,1,1024]: a standalone master and two executor JVMs, so the model travels by path and
 * is loaded and prepared in other processes. The workers build executor command lines from
 * SPARK_HOME (surefire points it at target/spark-home; an empty jars/ folder satisfies the launcher)
 * and the executors get this JVM's class path and flags through spark.executor.extraClassPath and
 * extraJavaOptions.
 */
class LocalClusterTest {
    @Test
    void executorsInOtherJvmsGiveEachSequenceRunAlone() throws IOException {
        Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        SparkSession spark = TestSpark.session("local-cluster[2,1,1024]",
                "spark.executor.extraClassPath", classPath,
                "spark.executor.extraJavaOptions", "@" + Path.of("jvm.options").toAbsolutePath() + " -XX:TieredStopAtLevel=1");
        Path dir = TestSpark.temp("cluster");
        Path lstm = TestModels.save(RnnConfig.lstm(5, 6, 0, 2, false), 31, dir, "lstm");
        List<Row> rows = TestModels.rows(41, 5, 12, 10);
        int openedHere = ModelCache.opened();
        List<Row> out = new RnnTransformer().setWeights(lstm.toString()).setBackend("vector").setCnCol("c_n").setBatchSize(8)
                .transform(spark.createDataFrame(rows, TestModels.SCHEMA).repartition(4)).collectAsList();
        assertEquals(2, spark.sparkContext().getExecutorIds().size(), "two executors");
        assertEquals(openedHere, ModelCache.opened(), "nothing was prepared in the driver's JVM");
        RnnTransformerTest.assertEachRowRunsAlone(lstm, rows, out, true);
    }
}
