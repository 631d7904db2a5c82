package io.fusedrnn.spark;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.model.RnnModel;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * A Spark ML {@link Transformer} that runs a fusedrnn model (any file {@link RnnModel#load} reads)
 * on a column of sequences, array&lt;array&lt;float|double&gt;&gt; [T][I] with T free per row, and
 * appends y [T][D·H_out], h_n [L·D][H_out] and, for LSTM, c_n [L·D][H]. Other columns pass through.
 * Each executor loads the model once and prepares it once per task slot ({@link ModelCache}); rows
 * run in batched sweeps with per-row lengths, and each row's result is its sequence's run alone.
 * Saves and loads with its Pipeline (the weights are referred to by path, not copied).
 */
public final class RnnTransformer extends Transformer implements MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> weights;
    private final Param<String> prefix;
    private final Param<String> node;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> hnCol;
    private final Param<String> cnCol;
    private final Param<String> idCol;
    private final Param<String> backend;
    private final Param<String> precision;
    private final IntParam batchSize;
    private final IntParam sortWindow;

    /** A transformer with a random uid. */
    public RnnTransformer() {
        this(Identifiable.randomUID("rnn"));
    }

    /** A transformer with the given uid (used when a saved Pipeline is loaded). */
    public RnnTransformer(String uid) {
        this.uid = uid;
        weights = new Param<>(this, "weights", "model file: safetensors state_dict or any format RnnModel.load reads");
        prefix = new Param<>(this, "prefix", "key prefix of the RNN inside the file (\"\" = find the only one)");
        node = new Param<>(this, "node", "ONNX node name of the RNN (\"\" = find the only one)");
        inputCol = new Param<>(this, "inputCol", "input column: array<array<float|double>> [T][I], one sequence per row");
        outputCol = new Param<>(this, "outputCol", "output column for y [T][D*H_out]");
        hnCol = new Param<>(this, "hnCol", "output column for h_n [L*D][H_out] (\"\" = none)");
        cnCol = new Param<>(this, "cnCol", "output column for c_n [L*D][H], LSTM only (\"\" = none)");
        idCol = new Param<>(this, "idCol", "column whose value names a row in error messages (\"\" = partition and position)");
        backend = new Param<>(this, "backend", "auto, vector, opencl[:platform:device|:name], reference; {gpu} = the task's GPU address");
        precision = new Param<>(this, "precision", "fp32 or fp64 (also the element type of the outputs)");
        batchSize = new IntParam(this, "batchSize", "rows per batched sweep", ParamValidators.gtEq(1));
        sortWindow = new IntParam(this, "sortWindow", "batches read ahead and sorted by length before batching (1 = no sorting)",
                ParamValidators.gtEq(1));
        setDefault(prefix, "");
        setDefault(node, "");
        setDefault(inputCol, "x");
        setDefault(outputCol, "y");
        setDefault(hnCol, "h_n");
        setDefault(cnCol, "");
        setDefault(idCol, "");
        setDefault(backend, "auto");
        setDefault(precision, "fp32");
        setDefault(batchSize, 64);
        setDefault(sortWindow, 8);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** Param: the model file (path; read by RnnModel.load on each executor). */
    public Param<String> weights() {
        return weights;
    }

    /** Param: the key prefix of the RNN inside the file ("" = the only one). */
    public Param<String> prefix() {
        return prefix;
    }

    /** Param: the ONNX node of the RNN ("" = the only one). */
    public Param<String> node() {
        return node;
    }

    /** Param: the input column, {@code array<array<float|double>>} [T][I] (default x). */
    public Param<String> inputCol() {
        return inputCol;
    }

    /** Param: the output column for y [T][D·H_out] (default y). */
    public Param<String> outputCol() {
        return outputCol;
    }

    /** Param: the output column for h_n [L·D][H_out] (default h_n; "" = none). */
    public Param<String> hnCol() {
        return hnCol;
    }

    /** Param: the output column for c_n [L·D][H], LSTM only (default "" = none). */
    public Param<String> cnCol() {
        return cnCol;
    }

    /** Param: the column naming a row in error messages (default "" = partition and position). */
    public Param<String> idCol() {
        return idCol;
    }

    /** Param: the backend name (default auto; {gpu} = the task's GPU address). */
    public Param<String> backend() {
        return backend;
    }

    /** Param: fp32 or fp64 (default fp32). */
    public Param<String> precision() {
        return precision;
    }

    /** Param: rows per batched sweep (default 64). */
    public IntParam batchSize() {
        return batchSize;
    }

    /** Param: batches read ahead and ordered by length (default 8; 1 = no sorting). */
    public IntParam sortWindow() {
        return sortWindow;
    }

    /** Sets the model file; returns this. */
    public RnnTransformer setWeights(String path) {
        return with(weights, path);
    }

    /** Sets the key prefix of the RNN inside the file; returns this. */
    public RnnTransformer setPrefix(String value) {
        return with(prefix, value);
    }

    /** Sets the ONNX node of the RNN; returns this. */
    public RnnTransformer setNode(String value) {
        return with(node, value);
    }

    /** Sets the input column, {@code array<array<float|double>>} [T][I]; returns this. */
    public RnnTransformer setInputCol(String value) {
        return with(inputCol, value);
    }

    /** Sets the output column for y [T][D·H_out]; returns this. */
    public RnnTransformer setOutputCol(String value) {
        return with(outputCol, value);
    }

    /** Sets the output column for h_n [L·D][H_out]; returns this. */
    public RnnTransformer setHnCol(String value) {
        return with(hnCol, value);
    }

    /** Sets the output column for c_n [L·D][H], LSTM only; returns this. */
    public RnnTransformer setCnCol(String value) {
        return with(cnCol, value);
    }

    /** Sets the column naming a row in error messages; returns this. */
    public RnnTransformer setIdCol(String value) {
        return with(idCol, value);
    }

    /** Sets the backend name; returns this. */
    public RnnTransformer setBackend(String value) {
        return with(backend, value);
    }

    /** Sets fp32 or fp64; returns this. */
    public RnnTransformer setPrecision(String value) {
        return with(precision, value);
    }

    /** Sets rows per batched sweep; returns this. */
    public RnnTransformer setBatchSize(int value) {
        set(batchSize, value);
        return this;
    }

    /** Sets batches read ahead and ordered by length; returns this. */
    public RnnTransformer setSortWindow(int value) {
        set(sortWindow, value);
        return this;
    }

    private RnnTransformer with(Param<String> p, String value) {
        set(p, value);
        return this;
    }

    private String value(Param<String> p) {
        return getOrDefault(p);
    }

    /** The precision named by the param. */
    Precision precisionValue() {
        return switch (value(precision).toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> Precision.FP32;
            case "fp64", "float64" -> Precision.FP64;
            default -> throw new FusedRnnException("precision: expected fp32 or fp64, found '" + value(precision) + "'");
        };
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(weights) || value(weights).isBlank()) throw new FusedRnnException("weights: not set; call setWeights(path to the model file)");
        SequenceColumn.checkType(schema, value(inputCol));
        if (!value(idCol).isEmpty()) SequenceColumn.index(schema, value(idCol), "idCol");
        DataType element = precisionValue() == Precision.FP32 ? DataTypes.FloatType : DataTypes.DoubleType;
        ArrayType matrix = DataTypes.createArrayType(DataTypes.createArrayType(element, false), false);
        StructType out = schema;
        for (String[] col : new String[][] {{"outputCol", value(outputCol)}, {"hnCol", value(hnCol)}, {"cnCol", value(cnCol)}}) {
            if (col[1].isEmpty()) {
                if (col[0].equals("outputCol")) throw new FusedRnnException("outputCol: expected a column name, found \"\"");
                continue;
            }
            if (Arrays.asList(out.fieldNames()).contains(col[1])) {
                throw new FusedRnnException(col[0] + " '" + col[1] + "': the input already has a column of that name; choose another");
            }
            out = out.add(col[1], matrix, true);
        }
        return out;
    }

    /**
     * Runs the model over the dataset's rows. The rows stay in Spark's internal form (no conversion
     * to {@link Row} and back): the input is planned here, as {@code Dataset.rdd()} would, so a
     * shuffle in the input's plan may run when this is called rather than when the result is used.
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType in = dataset.schema();
        StructType out = transformSchema(in);
        checkModelHere();
        if (!(dataset.toDF() instanceof org.apache.spark.sql.classic.Dataset<Row> df)) {
            throw new FusedRnnException("dataset: expected a Spark SQL Dataset of this JVM's session, found " + dataset.getClass().getName()
                    + " (Spark Connect clients cannot run a Java Transformer)");
        }
        String id = value(idCol);
        int idIndex = id.isEmpty() ? -1 : SequenceColumn.index(in, id, "idCol");
        int input = SequenceColumn.index(in, value(inputCol), "column");
        PartitionInference plan = new PartitionInference(value(weights), value(prefix), value(node), value(backend), precisionValue(),
                (Integer) getOrDefault(batchSize), (Integer) getOrDefault(sortWindow), value(inputCol), input,
                SequenceColumn.checkType(in, value(inputCol)), id, idIndex, idIndex < 0 ? null : in.fields()[idIndex].dataType(),
                !value(hnCol).isEmpty(), !value(cnCol).isEmpty(), out.size());
        RDD<InternalRow> rows = df.queryExecution().toRdd().toJavaRDD().mapPartitions(plan).rdd();
        return df.sparkSession().internalCreateDataFrame(rows, out, false);
    }

    /** Where the driver can read the weights too, a bad file or a c_n column on a GRU fails here, before any task. */
    private void checkModelHere() {
        Path file = Path.of(value(weights));
        if (!Files.isRegularFile(file)) return; // shipped to executors only: they check
        RnnModel model = ModelCache.model(ModelCache.fileKey(file, PartitionInference.blankToNull(value(prefix)),
                PartitionInference.blankToNull(value(node))));
        if (!value(cnCol).isEmpty() && model.config().cell().gates() != 4) {
            throw new FusedRnnException("cnCol: the model in " + file + " is a GRU, which has no cell state; set cnCol to \"\"");
        }
    }

    @Override
    public RnnTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public MLWriter write() {
        return new DefaultParamsWriter(this);
    }

    /** The reader Pipeline loading uses (found by reflection as a static {@code read()}). */
    public static MLReader<RnnTransformer> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a transformer saved with {@code write().save(path)}. */
    public static RnnTransformer load(String path) {
        return read().load(path);
    }
}
