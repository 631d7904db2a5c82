package io.fusedrnn.spark.bench;

import io.fusedrnn.Precision;
import io.fusedrnn.io.NpyReader;
import io.fusedrnn.io.NpyWriter;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.spark.AotTraining;
import io.fusedrnn.spark.ColumnParquetFormat;
import io.fusedrnn.spark.RnnTransformer;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The Spark measurement (benchmarks/RESULTS.md, spark/bench.sh): {@code prepare DIR [ROWS [MIN_T MAX_T]]}
 * writes a seeded LSTM (I=64, H=256), a Parquet table of ROWS variable-length sequences and the same
 * rows as padded .npy plus lengths for {@code fusedrnn infer}; {@code replicate DIR DEST K} writes DIR's
 * rows K times over into DEST (the Parquet files copied, the .npy rows concatenated), a large set
 * without building it row by row on the driver; {@code time DIR ROUNDS [MASTERS]}
 * times transform-and-write-Parquet at each master (default local[1],local[2]), interleaved, session
 * start excluded, and prints wall, rows/s and process CPU per run. Run with the test class path.
 */
public final class SparkScaling {
    static final int INPUT = 64, HIDDEN = 256;
    /**
     * The output format of {@code time} (-Dsparkscaling.format: parquet for Spark's writer, orc, json, noop
     * to write nothing; default spark-infer's: ColumnParquetFormat, no compression).
     */
    static final String FORMAT = System.getProperty("sparkscaling.format", ColumnParquetFormat.NAME);

    private SparkScaling() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        if (args[0].equals("writes")) {
            writes(dir, Integer.parseInt(args[2]), args.length > 3 ? args[3] : "local[1]", Arrays.copyOfRange(args, 4, args.length));
        } else if (args[0].equals("replicate")) {
            replicate(dir, Path.of(args[2]), Integer.parseInt(args[3]));
        } else if (args[0].equals("prepare")) {
            prepare(dir, args.length > 2 ? Integer.parseInt(args[2]) : 3000, args.length > 3 ? Integer.parseInt(args[3]) : 16,
                    args.length > 4 ? Integer.parseInt(args[4]) : 64);
        } else {
            time(dir, Integer.parseInt(args[2]), args.length > 3 ? args[3].split(",") : new String[] {"local[1]", "local[2]"});
        }
    }

    static void prepare(Path dir, int rowCount, int minT, int maxT) throws Exception {
        Files.createDirectories(dir);
        AotTraining.writeLstm(dir.resolve("lstm.safetensors"), RnnConfig.lstm(INPUT, HIDDEN, 0, 1, false), 5);

        Random r = new Random(1);
        List<Row> rows = new ArrayList<>();
        float[] padded = new float[Math.multiplyExact(maxT * rowCount, INPUT)];
        long[] lengths = new long[rowCount];
        long steps = 0;
        for (int b = 0; b < rowCount; b++) {
            int t = minT + r.nextInt(maxT - minT + 1);
            lengths[b] = t;
            steps += t;
            float[][] x = new float[t][INPUT];
            for (int s = 0; s < t; s++) {
                for (int i = 0; i < INPUT; i++) {
                    x[s][i] = r.nextFloat() * 2 - 1;
                    padded[(s * rowCount + b) * INPUT + i] = x[s][i];
                }
            }
            rows.add(RowFactory.create((long) b, x));
        }
        NpyWriter.write(dir.resolve("x.npy"), MemorySegment.ofArray(padded), Precision.FP32, maxT, rowCount, INPUT);
        NpyWriter.writeLongs(dir.resolve("lengths.npy"), lengths, rowCount);
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("x", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false), false);
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        spark.createDataFrame(rows, schema).repartition(8).write().parquet(dir.resolve("x.parquet").toString());
        spark.stop();
        Files.writeString(dir.resolve("rows"), Integer.toString(rowCount));
        System.out.printf("prepared %d rows, T in %d..%d (%d steps, %.0f GFLOP), LSTM I=%d H=%d in %s%n", rowCount, minT, maxT, steps,
                8.0 * steps * HIDDEN * (INPUT + HIDDEN) / 1e9, INPUT, HIDDEN, dir);
    }

    /** DIR's data set K times over in DEST: the same model, each Parquet file K times, x.npy's rows (axis 1) and lengths K times. */
    static void replicate(Path dir, Path dest, int k) throws Exception {
        int rowCount = Integer.parseInt(Files.readString(dir.resolve("rows")).trim());
        Path x = dir.resolve("x.parquet"), to = dest.resolve("x.parquet");
        Files.createDirectories(to);
        Files.copy(dir.resolve("lstm.safetensors"), dest.resolve("lstm.safetensors"), StandardCopyOption.REPLACE_EXISTING);
        try (var files = Files.list(x)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList()) {
                for (int r = 0; r < k; r++) Files.copy(f, to.resolve("r" + r + "-" + f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        long rowBytes = (long) rowCount * INPUT * Float.BYTES; // one step of all rows; the header is shorter than that
        try (FileChannel in = FileChannel.open(dir.resolve("x.npy")); Arena arena = Arena.ofConfined()) {
            long size = in.size();
            int steps = Math.toIntExact(size / rowBytes);
            MemorySegment src = in.map(FileChannel.MapMode.READ_ONLY, size - steps * rowBytes, steps * rowBytes, arena);
            MemorySegment out = arena.allocate(steps * rowBytes * k, 64);
            for (int t = 0; t < steps; t++) {
                for (int r = 0; r < k; r++) MemorySegment.copy(src, t * rowBytes, out, (t * (long) k + r) * rowBytes, rowBytes);
            }
            NpyWriter.write(dest.resolve("x.npy"), out, Precision.FP32, steps, rowCount * k, INPUT);
        }
        int[] lengths = NpyReader.readInts(dir.resolve("lengths.npy"));
        long[] all = new long[rowCount * k];
        for (int i = 0; i < all.length; i++) all[i] = lengths[i % rowCount];
        NpyWriter.writeLongs(dest.resolve("lengths.npy"), all, all.length);
        Files.writeString(dest.resolve("rows"), Integer.toString(all.length));
        System.out.printf("replicated %d rows %d times into %s%n", rowCount, k, dest);
    }

    /**
     * Write variants on one session at {@code master}: each VARIANT is {@code name=format[,key=value...]}
     * (format: parquet, orc, noop or a class name such as io.fusedrnn.spark.ColumnParquetFormat; the
     * keys are writer options). Each round runs transform + write once per variant, in rotated order,
     * after a warm-up round on 2000 rows; prints wall and process CPU per run and the medians.
     */
    static void writes(Path dir, int rounds, String master, String[] variants) throws Exception {
        int rowCount = Integer.parseInt(Files.readString(dir.resolve("rows")).trim());
        SparkSession spark = SparkSession.builder().master(master).config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false").getOrCreate();
        Dataset<Row> in = spark.read().parquet(dir.resolve("x.parquet").toString());
        RnnTransformer rnn = new RnnTransformer().setWeights(dir.resolve("lstm.safetensors").toString())
                .setBackend("vector").setCnCol("c_n").setBatchSize(64);
        Map<String, List<double[]>> runs = new LinkedHashMap<>();
        for (String v : variants) runs.put(v.substring(0, v.indexOf('=')), new ArrayList<>());
        for (int round = -1; round < rounds; round++) {
            for (int k = 0; k < variants.length; k++) {
                String v = variants[Math.floorMod(k + round, variants.length)];
                String name = v.substring(0, v.indexOf('='));
                String[] parts = v.substring(v.indexOf('=') + 1).split(",");
                Path out = Files.createTempDirectory(dir, "out");
                Files.delete(out);
                long t0 = System.nanoTime(), c0 = cpuNanos();
                var writer = rnn.transform(round < 0 ? in.limit(2000) : in).write().format(parts[0]).mode("overwrite");
                for (int i = 1; i < parts.length; i++) writer = writer.option(parts[i].substring(0, parts[i].indexOf('=')), parts[i].substring(parts[i].indexOf('=') + 1));
                writer.save(out.toString());
                double s = (System.nanoTime() - t0) / 1e9, cpu = (cpuNanos() - c0) / 1e9;
                long bytes = 0;
                if (Files.exists(out)) try (var files = Files.walk(out)) {
                    for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        if (Files.isRegularFile(f)) bytes += Files.size(f);
                        f.toFile().delete();
                    }
                }
                if (round < 0) continue;
                runs.get(name).add(new double[] {s, cpu});
                System.out.printf("round %d %-14s %6.2f s wall %6.2f s CPU %5.0f MB%n", round, name, s, cpu, bytes / 1e6);
            }
        }
        for (var e : runs.entrySet()) {
            double[] w = e.getValue().stream().mapToDouble(x -> x[0]).sorted().toArray();
            double[] c = e.getValue().stream().mapToDouble(x -> x[1]).sorted().toArray();
            System.out.printf("%-14s median %6.2f s wall %6.2f s CPU (%s rows at %s)%n", e.getKey(), w[w.length / 2], c[c.length / 2], rowCount, master);
        }
        spark.stop();
    }

    /** CPU time of the whole process (all threads), which the load of other processes on the host inflates far less than wall time. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static void time(Path dir, int rounds, String[] masters) throws Exception {
        int rowCount = Integer.parseInt(Files.readString(dir.resolve("rows")).trim());
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        for (String m : masters) seconds.put(m, new ArrayList<>());
        // round -1, untimed: the whole job once at the last master, so that no timed run pays for the JIT
        for (int round = -1; round < rounds; round++) {
            List<String> order = new ArrayList<>(List.of(masters));
            if (round % 2 != 0) java.util.Collections.reverse(order);
            if (round < 0) order = List.of(order.getFirst());
            for (String master : order) {
                SparkSession spark = SparkSession.builder().master(master).config("spark.ui.enabled", "false")
                        .config("spark.ui.showConsoleProgress", "false").getOrCreate();
                Dataset<Row> in = spark.read().parquet(dir.resolve("x.parquet").toString());
                RnnTransformer rnn = new RnnTransformer().setWeights(dir.resolve("lstm.safetensors").toString())
                        .setBackend("vector").setCnCol("c_n").setBatchSize(64);
                rnn.transform(in.limit(200)).write().format("noop").mode("overwrite").save(); // this session's model and first job
                Path out = Files.createTempDirectory(dir, "out");
                Files.delete(out);
                long t0 = System.nanoTime(), c0 = cpuNanos();
                var writer = rnn.transform(in).drop("x").write().format(FORMAT).mode("overwrite").option("compression", "none");
                for (String col : new String[] {"y", "h_n", "c_n"}) { // as spark-infer writes: no dictionary for the float matrices
                    writer = writer.option("parquet.enable.dictionary#" + col + ".list.element.list.element", "false");
                }
                writer.save(out.toString());
                double s = (System.nanoTime() - t0) / 1e9, cpu = (cpuNanos() - c0) / 1e9;
                if (round >= 0) seconds.get(master).add(s);
                System.out.printf("%s %s: %.2f s wall, %.0f rows/s; process CPU %.2f s (%.2f cores busy on average, %.0f us CPU per row)%n",
                        round < 0 ? "warm-up" : "round " + round, master, s, rowCount / s, cpu, cpu / s, cpu / rowCount * 1e6);
                spark.stop();
                if (Files.exists(out)) try (var files = Files.walk(out)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
        double[] medians = new double[masters.length];
        for (int k = 0; k < masters.length; k++) {
            double[] v = seconds.get(masters[k]).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            medians[k] = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            System.out.printf("%s median %.2f s (%.0f rows/s), runs %s%n", masters[k], medians[k], rowCount / medians[k], Arrays.toString(v));
        }
        if (masters.length == 2) System.out.printf("%s / %s, rows/s of the medians: %.2fx%n", masters[1], masters[0], medians[0] / medians[1]);
    }
}
