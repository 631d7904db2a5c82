package io.fusedrnn.spark;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.model.RnnModel;

import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code fusedrnn spark-infer}: runs a model on a table of sequences (Parquet, JSON or ORC) with
 * Spark and writes the input's columns plus y, h_n (and c_n for LSTM). Exit 0 on success, 2 for bad
 * input (one line naming the row, column, expected and found; no output directory is left), 3 when
 * the backend is unavailable. The output is written to a hidden directory beside it and renamed
 * into place only when complete.
 */
@Command(name = "spark-infer", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run an LSTM/GRU model on a table of sequences with Apache Spark.")
public final class SparkInferCommand implements Callable<Integer> {
    /** Column carrying the input order through a repartition (dropped before writing). */
    private static final String ORDER = "__fusedrnn_order";

    @Option(names = "--weights", required = true, description = "model file (safetensors state_dict, or any format the library loads)")
    Path weights;
    @Option(names = "--input", required = true, description = "input table: a file or directory, or a URI (hdfs://, s3a://)")
    String inputName;
    @Option(names = "--output", required = true, description = "output directory (must not exist), or a URI")
    String outputName;
    /** Local paths, resolved against the caller's directory; null for URIs, which go to Spark as given. */
    private Path input;
    private Path output;
    @Option(names = "--format", description = "input format: parquet, json or orc (default: from the input's name)")
    String format;
    @Option(names = "--output-format", description = "output format (default: the input's)")
    String outputFormat;
    @Option(names = "--column", defaultValue = "x", description = "input column, array<array<float|double>> [T][I] (default: ${DEFAULT-VALUE})")
    String column;
    @Option(names = "--keep-input", description = "write the input column too (by default the output holds the input's other columns plus the model's outputs)")
    boolean keepInput;
    @Option(names = "--id-column", description = "column naming each row in error messages")
    String idColumn;
    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master (default: ${DEFAULT-VALUE}, every core here)")
    String master;
    @Option(names = "--backend", defaultValue = "auto", description = "auto, vector, opencl[:platform:device|:name], reference")
    String backend;
    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or fp64 (default: ${DEFAULT-VALUE})")
    String precision;
    @Option(names = "--batch-size", defaultValue = "64", description = "rows per batched sweep (default: ${DEFAULT-VALUE})")
    int batchSize;
    @Option(names = "--compression", description = "output codec, as Spark names them (Parquet: none, snappy, lz4_raw, zstd, gzip; "
            + "default none for Parquet, whose float outputs do not compress, else Spark's default)")
    String compression;
    @Option(names = "--prefix", description = "key prefix of the RNN in the weights file")
    String prefix;
    @Option(names = "--driver-memory", defaultValue = "auto", description = "heap of this JVM (the driver, and in local mode the executors), "
            + "such as 4g: read by the launcher, as spark-submit reads its own; raise it for long sequences or large batches "
            + "(default: 768 MB + 256 MB per core, at most a quarter of the memory)")
    String driverMemory;
    @Option(names = "--verbose", description = "Spark's log and progress, and stack traces with errors")
    boolean verbose;

    /** Wall-clock marks of the run's phases, printed with --verbose. */
    private final Phases phases = new Phases();

    /** Entry point of {@code ./fusedrnn spark-infer}. */
    public static void main(String[] args) {
        if (!List.of(args).contains("--verbose") && System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "classpath:io/fusedrnn/spark/log4j2-quiet.properties");
        }
        System.exit(new CommandLine(new SparkInferCommand()).execute(args));
    }

    @Override
    public Integer call() {
        PrintStream err = System.err;
        SparkSession spark;
        try {
            check();
            spark = SparkSession.builder().master(master).appName("fusedrnn spark-infer")
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", Boolean.toString(verbose))
                    .getOrCreate();
        } catch (RuntimeException e) {
            return fail(err, e);
        }
        phases.mark("session");
        try {
            return run(spark, err);
        } finally {
            spark.stop();
            phases.mark("stop");
            if (verbose) err.println("fusedrnn spark-infer: " + phases);
        }
    }

    /** Runs on an existing session (the tests share one); returns the exit status. */
    int run(SparkSession spark, PrintStream err) {
        Path tmp = null;
        try {
            check();
            RnnModel model = ModelCache.model(ModelCache.fileKey(weights, PartitionInference.blankToNull(prefix), null));
            var reader = spark.read().format(inputFormat());
            if (input != null && inputFormat().equals("parquet")) { // the schema from a footer here: no Spark job for it
                var schema = ParquetFooters.schema(input);
                if (schema.isPresent()) reader = reader.schema(schema.get());
            }
            Dataset<Row> in = reader.load(input == null ? inputName : input.toString());
            RnnTransformer rnn = new RnnTransformer().setWeights(weights.toString()).setPrefix(prefix == null ? "" : prefix)
                    .setInputCol(column).setIdCol(idColumn == null ? "" : idColumn).setBackend(backend).setPrecision(precision)
                    .setBatchSize(batchSize).setOutputCol("y").setHnCol("h_n").setCnCol(model.config().cell().gates() == 4 ? "c_n" : "");
            rnn.transformSchema(in.schema()); // bad columns fail here, before any job
            int cores = spark.sparkContext().defaultParallelism();
            // the partitions of the plan transform runs (planned once, shared with it), not of in.rdd()'s second plan
            boolean spread = ((org.apache.spark.sql.classic.Dataset<Row>) in).queryExecution().toRdd().getNumPartitions() < cores;
            if (spread) { // fewer partitions than cores: spread the rows, keeping their order in the output
                in = in.withColumn(ORDER, functions.monotonically_increasing_id())
                        .repartitionByRange(cores, functions.col(ORDER)).sortWithinPartitions(ORDER);
            }
            Dataset<Row> out = rnn.transform(in);
            if (spread) out = out.drop(ORDER);
            if (!keepInput) out = out.drop(column); // the input's other columns plus the outputs: x is the caller's already
            String writeAs = outputFormat == null ? inputFormat() : format(outputFormat, "--output-format");
            // Parquet: our column-level writer (the files Spark writes, for 33–55% less write CPU; RESULTS.md, "Spark, round 4")
            DataFrameWriter<Row> writer = out.write().format(writeAs.equals("parquet") ? ColumnParquetFormat.NAME : writeAs);
            if (compression != null) writer = writer.option("compression", compression);
            else if (writeAs.equals("parquet")) writer = writer.option("compression", "none");
            for (String col : new String[] {column, "y", "h_n", "c_n"}) { // Parquet: no dictionary for the float matrices (it only costs; RESULTS.md)
                writer = writer.option("parquet.enable.dictionary#" + col + ".list.element.list.element", "false");
            }
            phases.mark("planned");
            if (output == null) { // a URI: Spark's commit protocol publishes the files only when the job succeeds
                writer.save(outputName);
                return 0;
            }
            tmp = temporaryBeside(output);
            writer.save(tmp.toString());
            phases.mark("job");
            move(tmp, output);
            tmp = null;
            return 0;
        } catch (Exception e) { // Spark throws its checked SparkException undeclared
            return fail(err, e);
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
    }

    private void check() {
        Path cwd = Path.of(System.getProperty("fusedrnn.cwd", System.getProperty("user.dir")));
        weights = cwd.resolve(weights).toAbsolutePath().normalize();
        input = isUri(inputName) ? null : cwd.resolve(inputName).toAbsolutePath().normalize();
        output = isUri(outputName) ? null : cwd.resolve(outputName).toAbsolutePath().normalize();
        if (!Files.isRegularFile(weights)) throw new FusedRnnException("--weights " + weights + ": no such file");
        if (input != null && !Files.exists(input)) throw new FusedRnnException("--input " + input + ": no such file or directory");
        if (output != null && Files.exists(output)) throw new FusedRnnException("--output " + output + ": already exists; remove it or choose another path");
        if (output != null && !Files.isDirectory(output.getParent())) {
            throw new FusedRnnException("--output " + output + ": directory " + output.getParent() + " does not exist");
        }
        if (batchSize < 1) throw new FusedRnnException("--batch-size: expected >= 1, found " + batchSize);
        if (!driverMemory.equals("auto") && !driverMemory.matches("[0-9]+[kKmMgGtT]?")) { // the launcher has checked it already, before the JVM started
            throw new FusedRnnException("--driver-memory: expected a size such as 1g or 4096m, found '" + driverMemory + "'");
        }
        inputFormat();
        if (outputFormat != null) format(outputFormat, "--output-format");
    }

    /** The input format: --format, else from the file name (or the names inside a directory). */
    private String inputFormat() {
        if (format != null) return format(format, "--format");
        String found = guess(inputName.replaceAll("/+$", ""));
        if (found == null && input != null && Files.isDirectory(input)) {
            try (Stream<Path> files = Files.list(input)) {
                found = files.map(p -> guess(p.getFileName().toString())).filter(f -> f != null).findFirst().orElse(null);
            } catch (IOException e) {
                throw new FusedRnnException("--input " + input + ": cannot list (" + e.getMessage() + ")", e);
            }
        }
        if (found == null) throw new FusedRnnException("--input " + inputName + ": cannot tell its format from the name; pass --format parquet|json|orc");
        return found;
    }

    /** A URI with a scheme (hdfs://, s3a://, file:/); a Windows drive letter is a path. */
    private static boolean isUri(String name) {
        return name.matches("[a-zA-Z][a-zA-Z0-9+.-]+:/.*");
    }

    private static String guess(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".parquet")) return "parquet";
        if (n.endsWith(".json") || n.endsWith(".jsonl") || n.endsWith(".ndjson")) return "json";
        if (n.endsWith(".orc")) return "orc";
        return null;
    }

    private static String format(String value, String option) {
        String f = value.toLowerCase(Locale.ROOT);
        if (!List.of("parquet", "json", "orc").contains(f)) throw new FusedRnnException(option + ": expected parquet, json or orc, found '" + value + "'");
        return f;
    }

    /** Prints the one line for a failure (found inside Spark's wrapping) and returns the exit status. */
    private int fail(PrintStream err, Exception e) {
        Throwable cause = SparkErrors.cause(e);
        err.println("fusedrnn spark-infer: " + SparkErrors.firstLine(cause));
        if (verbose) e.printStackTrace(err);
        if (cause instanceof BackendUnavailableException) return 3;
        if (cause instanceof FusedRnnException || cause instanceof AnalysisException) return 2;
        return 1;
    }

    private static Path temporaryBeside(Path destination) {
        try {
            Path dir = Files.createTempDirectory(destination.getParent(), "." + destination.getFileName() + ".");
            Files.delete(dir); // Spark creates it and refuses one that exists
            return dir;
        } catch (IOException e) {
            throw new FusedRnnException("--output " + destination + ": cannot create a directory beside it (" + e.getMessage() + ")", e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to);
            }
        } catch (IOException e) {
            throw new FusedRnnException("--output " + to + ": cannot move the finished output into place (" + e.getMessage() + ")", e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort: the directory is hidden and named after the output
        }
    }
}
