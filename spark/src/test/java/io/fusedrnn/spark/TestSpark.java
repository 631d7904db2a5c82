package io.fusedrnn.spark;

import io.fusedrnn.model.RnnConfig;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One SparkSession per master for the whole test JVM (a fresh one costs 5 s or more): test classes
 * that use the same master share it; asking for another master stops the current session first.
 * Spark's own shutdown hook stops the last one.
 */
final class TestSpark {
    private static SparkSession current;
    private static String currentMaster;

    private TestSpark() {
    }

    static synchronized SparkSession session(String master, String... conf) {
        if (current != null && master.equals(currentMaster)) return current;
        if (current != null) current.stop();
        SparkSession.Builder b = SparkSession.builder().master(master).appName("fusedrnn-spark tests")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.warehouse.dir", temp("warehouse").toString());
        for (int i = 0; i + 1 < conf.length; i += 2) b.config(conf[i], conf[i + 1]);
        current = b.getOrCreate();
        currentMaster = master;
        return current;
    }

    /** A test class's session (local[2]) with an LSTM and a GRU saved in a fresh folder. */
    record Fixture(SparkSession spark, Path dir, Path lstm, Path gru) {
    }

    /** The shared local[2] session, a fresh folder named after {@code name}, and the two models saved in it (seeded). */
    static Fixture fixture(String name, RnnConfig lstm, long lstmSeed, RnnConfig gru, long gruSeed) {
        Path dir = temp(name);
        return new Fixture(session("local[2]"), dir, TestModels.save(lstm, lstmSeed, dir, "lstm"), TestModels.save(gru, gruSeed, dir, "gru"));
    }

    static Path temp(String name) {
        try {
            // under target/, so mvn clean removes what the tests leave
            return Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-tmp")), name).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
