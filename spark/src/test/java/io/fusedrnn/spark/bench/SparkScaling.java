package io.fusedrnn.spark.bench;

import io.fusedrnn.Precision;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.NpyWriter;
import io.fusedrnn.io.SafetensorsDType;
import io.fusedrnn.io.SafetensorsWriter;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;
import io.fusedrnn.spark.RnnTransformer;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The Spark measurement (benchmarks/RESULTS.md): {@code prepare DIR} writes a seeded LSTM, a Parquet
 * table of variable-length sequences and the same rows as padded .npy plus lengths for
 * {@code fusedrnn infer}; {@code time DIR ROUNDS} times transform-and-write-Parquet at local[1] and
 * local[2], interleaved, session start excluded, and prints rows/s per run.
 * Run with the test class path (see RESULTS.md for the command).
 */
public final class SparkScaling {
    static final int ROWS = 3000, INPUT = 64, HIDDEN = 256, MIN_T = 16, MAX_T = 64;

    private SparkScaling() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        if (args[0].equals("prepare")) prepare(dir);
        else time(dir, Integer.parseInt(args[2]));
    }

    static void prepare(Path dir) throws Exception {
        Files.createDirectories(dir);
        RnnConfig config = RnnConfig.lstm(INPUT, HIDDEN, 0, 1, false);
        RnnModel m = RnnModel.random(config, 5);
        LayerWeights w = m.weights().getFirst();
        Map<String, NdArray> sd = new LinkedHashMap<>();
        sd.put("weight_ih_l0", new NdArray(new int[] {4 * HIDDEN, INPUT}, w.wIh()));
        sd.put("weight_hh_l0", new NdArray(new int[] {4 * HIDDEN, HIDDEN}, w.wHh()));
        sd.put("bias_ih_l0", new NdArray(new int[] {4 * HIDDEN}, w.bIh()));
        sd.put("bias_hh_l0", new NdArray(new int[] {4 * HIDDEN}, w.bHh()));
        SafetensorsWriter.write(dir.resolve("lstm.safetensors"), sd, SafetensorsDType.F32);

        Random r = new Random(1);
        List<Row> rows = new ArrayList<>();
        double[] padded = new double[MAX_T * ROWS * INPUT];
        double[] lengths = new double[ROWS];
        for (int b = 0; b < ROWS; b++) {
            int t = MIN_T + r.nextInt(MAX_T - MIN_T + 1);
            lengths[b] = t;
            float[][] x = new float[t][INPUT];
            for (int s = 0; s < t; s++) {
                for (int i = 0; i < INPUT; i++) {
                    x[s][i] = r.nextFloat() * 2 - 1;
                    padded[(s * ROWS + b) * INPUT + i] = x[s][i];
                }
            }
            rows.add(RowFactory.create((long) b, x));
        }
        NpyWriter.write(dir.resolve("x.npy"), new NdArray(new int[] {MAX_T, ROWS, INPUT}, padded), Precision.FP32);
        NpyWriter.write(dir.resolve("lengths.npy"), new NdArray(new int[] {ROWS}, lengths), Precision.FP64);
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("x", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false), false);
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        spark.createDataFrame(rows, schema).repartition(8).write().parquet(dir.resolve("x.parquet").toString());
        spark.stop();
        System.out.println("prepared " + ROWS + " rows, T in " + MIN_T + ".." + MAX_T + ", LSTM I=" + INPUT + " H=" + HIDDEN + " in " + dir);
    }

    /** CPU time of the whole process (all threads), which the load of other processes on the host inflates far less than wall time. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static void time(Path dir, int rounds) throws Exception {
        String[] masters = {"local[1]", "local[2]"};
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        for (String m : masters) seconds.put(m, new ArrayList<>());
        for (int round = 0; round < rounds; round++) {
            for (String master : round % 2 == 0 ? masters : new String[] {masters[1], masters[0]}) {
                SparkSession spark = SparkSession.builder().master(master).config("spark.ui.enabled", "false")
                        .config("spark.ui.showConsoleProgress", "false").getOrCreate();
                Dataset<Row> in = spark.read().parquet(dir.resolve("x.parquet").toString());
                RnnTransformer rnn = new RnnTransformer().setWeights(dir.resolve("lstm.safetensors").toString())
                        .setBackend("vector").setCnCol("c_n").setBatchSize(64);
                rnn.transform(in.limit(200)).write().format("noop").mode("overwrite").save(); // warm-up: JIT, model load
                Path out = Files.createTempDirectory(dir, "out");
                Files.delete(out);
                long t0 = System.nanoTime(), c0 = cpuNanos();
                rnn.transform(in).write().parquet(out.toString());
                double s = (System.nanoTime() - t0) / 1e9, cpu = (cpuNanos() - c0) / 1e9;
                seconds.get(master).add(s);
                System.out.printf("round %d %s: %.2f s wall, %.0f rows/s; process CPU %.2f s (%.2f cores busy on average)%n",
                        round, master, s, ROWS / s, cpu, cpu / s);
                spark.stop();
            }
        }
        for (String m : masters) {
            double[] v = seconds.get(m).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("%s median %.2f s (%.0f rows/s), runs %s%n", m, v[v.length / 2], ROWS / v[v.length / 2], Arrays.toString(v));
        }
    }
}
