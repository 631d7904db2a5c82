package io.fusedrnn.spark;

import io.fusedrnn.LayerWeights;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.SafetensorsDType;
import io.fusedrnn.io.SafetensorsWriter;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;

import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The training run of spark-infer's JVM cache (JDK 25's AOT cache: classes loaded and linked, and
 * method profiles, ahead of time): the launcher runs this once after building spark/target with
 * {@code -XX:AOTCacheOutput}, and every later {@code ./fusedrnn spark-infer} starts with
 * {@code -XX:AOTCache}. It runs spark-infer end to end (Parquet in, the model, Parquet out) on a small
 * LSTM and 256 generated rows in a temporary folder, which it removes.
 */
public final class AotTraining {
    private AotTraining() {
    }

    /** Runs the training; exit status 0 when spark-infer succeeded. */
    public static void main(String[] args) throws IOException {
        System.setProperty("log4j2.configurationFile", "classpath:io/fusedrnn/spark/log4j2-quiet.properties");
        Path dir = Files.createTempDirectory("fusedrnn-aot-training");
        int status;
        try {
            Path weights = writeLstm(dir.resolve("lstm.safetensors"), RnnConfig.lstm(16, 32, 0, 1, false), 1);
            SparkSession spark = SparkSession.builder().master("local[2]").appName("fusedrnn spark-infer")
                    .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate();
            Random r = new Random(1);
            List<org.apache.spark.sql.Row> rows = new ArrayList<>();
            for (int k = 0; k < 256; k++) {
                float[][] x = new float[1 + r.nextInt(24)][16];
                for (float[] step : x) for (int i = 0; i < step.length; i++) step[i] = r.nextFloat() * 2 - 1;
                rows.add(RowFactory.create((long) k, x));
            }
            StructType schema = new StructType().add("id", DataTypes.LongType, false)
                    .add("x", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false), false);
            spark.createDataFrame(rows, schema).repartition(2).write().parquet(dir.resolve("x.parquet").toString());
            status = new picocli.CommandLine(new SparkInferCommand()).execute("--weights", weights.toString(), "--input",
                    dir.resolve("x.parquet").toString(), "--output", dir.resolve("out.parquet").toString(), "--id-column", "id",
                    "--backend", "vector"); // not auto: two tasks opening OpenCL at once crashed PoCL here (clGetDeviceInfo, SIGSEGV)
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        System.exit(status);
    }

    /** Writes a seeded random one-layer, one-direction LSTM as a PyTorch-named safetensors state_dict; returns the file. */
    public static Path writeLstm(Path file, RnnConfig config, long seed) {
        LayerWeights w = RnnModel.random(config, seed).weights().getFirst();
        int gates = 4 * config.hiddenSize();
        Map<String, NdArray> sd = new LinkedHashMap<>();
        sd.put("weight_ih_l0", new NdArray(new int[] {gates, config.inputSize()}, w.wIh()));
        sd.put("weight_hh_l0", new NdArray(new int[] {gates, config.hiddenSize()}, w.wHh()));
        sd.put("bias_ih_l0", new NdArray(new int[] {gates}, w.bIh()));
        sd.put("bias_hh_l0", new NdArray(new int[] {gates}, w.bHh()));
        SafetensorsWriter.write(file, sd, SafetensorsDType.F32);
        return file;
    }
}
