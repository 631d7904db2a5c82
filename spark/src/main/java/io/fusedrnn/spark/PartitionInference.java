package io.fusedrnn.spark;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;

import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.util.TaskCompletionListener;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * What runs on the executors for {@link RnnTransformer}: the settings (shipped with the task) and the
 * per-partition entry point over Spark's internal rows, which borrows this JVM's prepared model for
 * the task and returns it when the task completes.
 *
 * @param weights    the model file as the driver named it; an executor without that path looks for
 *                   its file name among the files shipped with {@code --files} ({@link SparkFiles})
 * @param backend    a backend name for {@code Backends.open}; {@code {gpu}} is replaced by the
 *                   task's first GPU address (Spark resource scheduling), e.g. {@code opencl:0:{gpu}}
 * @param sortWindow rows read ahead, in batches, and ordered by length before batching (1 = none)
 * @param element    the number type of the input column's values
 * @param idType     the id column's type (null when there is none)
 * @param columns    the number of output columns (input columns plus y, h_n, c_n as enabled)
 */
record PartitionInference(String weights, String prefix, String node, String backend, Precision precision,
                          int batchSize, int sortWindow, String inputCol, int inputIndex, NumericType element,
                          String idCol, int idIndex, DataType idType, boolean hn, boolean cn, int columns)
        implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
        if (!rows.hasNext()) return rows;
        TaskContext task = TaskContext.get();
        int threads = task == null ? 1 : task.cpus();
        int partition = task == null ? 0 : task.partitionId();
        ModelCache.Key key = new ModelCache.Key(ModelCache.fileKey(localWeights(), blankToNull(prefix), blankToNull(node)),
                resolveBackend(task), precision, threads);
        ModelCache.Lease lease = ModelCache.borrow(key);
        if (cn && lease.rnn.config().cell().gates() != 4) {
            lease.close();
            throw new FusedRnnException("cnCol: the model in " + weights + " is a GRU, which has no cell state; set cnCol to \"\"");
        }
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> lease.close());
        }
        return new SequenceBatcher(rows, lease.rnn, this, partition);
    }

    /** The weights file on this machine: the driver's path, else a file shipped with the job. */
    Path localWeights() {
        Path p = Path.of(weights.startsWith("file:") ? java.net.URI.create(weights).getPath() : weights);
        if (Files.isRegularFile(p)) return p;
        try {
            Path shipped = Path.of(SparkFiles.get(p.getFileName().toString()));
            if (Files.isRegularFile(shipped)) return shipped;
        } catch (RuntimeException e) {
            // no SparkContext files here: report the path as given
        }
        throw new FusedRnnException("weights " + weights + ": no such file on this machine (ship it with --files or use a shared path)");
    }

    private String resolveBackend(TaskContext task) {
        if (!backend.contains("{gpu}")) return backend;
        ResourceInformation gpu = task == null ? null : task.resources().get("gpu").getOrElse(() -> null);
        if (gpu == null || gpu.addresses().length == 0) {
            throw new FusedRnnException("backend " + backend + ": the task has no GPU assigned (set spark.task.resource.gpu.amount)");
        }
        return backend.replace("{gpu}", gpu.addresses()[0]);
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
