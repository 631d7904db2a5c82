package io.fusedrnn.spark;

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

    static Path temp(String name) {
        try {
            // under target/, so mvn clean removes what the tests leave
            return Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-tmp")), name).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
