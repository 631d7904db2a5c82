package io.fusedrnn.spark;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnOutput;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;

/**
 * Runs one partition's rows through a prepared model in batched sweeps. It reads a window of rows,
 * orders them by length so each batch pads little, runs each batch as one forward with per-row
 * lengths (padded to the batch's longest row), and hands the rows back in their original order with
 * y, h_n (and c_n) appended. Each row's result is that of its sequence run alone: lengths stop its
 * state at its own last step and the reverse direction starts there.
 */
final class SequenceBatcher implements Iterator<Row> {
    private final Iterator<Row> input;
    private final PreparedRnn rnn;
    private final PartitionInference plan;
    private final int partition;
    private final int inputSize;
    private final Row[] window;
    private final double[][] sequences;
    private final Row[] done;
    private int count;
    private int next;
    private long rowsRead;

    SequenceBatcher(Iterator<Row> input, PreparedRnn rnn, PartitionInference plan, int partition) {
        this.input = input;
        this.rnn = rnn;
        this.plan = plan;
        this.partition = partition;
        this.inputSize = rnn.config().inputSize();
        int size = Math.multiplyExact(plan.batchSize(), plan.sortWindow());
        this.window = new Row[size];
        this.sequences = new double[size][];
        this.done = new Row[size];
    }

    @Override
    public boolean hasNext() {
        if (next < count) return true;
        if (!input.hasNext()) return false;
        fill();
        return next < count;
    }

    @Override
    public Row next() {
        if (!hasNext()) throw new NoSuchElementException();
        Row r = done[next];
        done[next++] = null;
        return r;
    }

    /** Reads the next window of rows, runs it sorted by length in batches, keeps the results in input order. */
    private void fill() {
        count = 0;
        next = 0;
        while (count < window.length && input.hasNext()) {
            Row row = input.next();
            window[count] = row;
            sequences[count] = SequenceColumn.read(row, plan.inputIndex(), plan.inputCol(), inputSize, where(row));
            count++;
            rowsRead++;
        }
        Integer[] order = IntStream.range(0, count).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> sequences[i].length).reversed());
        for (int from = 0; from < count; from += plan.batchSize()) {
            run(order, from, Math.min(count, from + plan.batchSize()));
        }
        Arrays.fill(window, 0, count, null);
        Arrays.fill(sequences, 0, count, null);
    }

    private String where(Row row) {
        if (plan.idIndex() >= 0) return "row " + plan.idCol() + "=" + row.get(plan.idIndex());
        return "row " + rowsRead + " of partition " + partition;
    }

    /** One batched sweep over the rows order[from..to). */
    private void run(Integer[] order, int from, int to) {
        int batch = to - from;
        int[] lengths = new int[batch];
        int steps = 1; // a batch of empty sequences still runs one (masked) step
        for (int b = 0; b < batch; b++) {
            lengths[b] = sequences[order[from + b]].length / inputSize;
            steps = Math.max(steps, lengths[b]);
        }
        double[] x = new double[steps * batch * inputSize]; // [T, B, I], zero past each row's length
        for (int b = 0; b < batch; b++) {
            double[] s = sequences[order[from + b]];
            for (int t = 0; t < lengths[b]; t++) System.arraycopy(s, t * inputSize, x, (t * batch + b) * inputSize, inputSize);
        }
        Backend backend = rnn.backend();
        Precision p = rnn.precision();
        try (Tensor xt = backend.upload(p, x, steps, batch, inputSize);
             RnnOutput out = rnn.forward(xt, null, null, lengths)) {
            boolean fp32 = p == Precision.FP32;
            Object y = fp32 ? out.y().toFloatArray() : out.y().toDoubleArray();
            Object hN = plan.hn() ? (fp32 ? out.hN().toFloatArray() : out.hN().toDoubleArray()) : null;
            Object cN = plan.cn() ? (fp32 ? out.cN().toFloatArray() : out.cN().toDoubleArray()) : null;
            RnnConfig cfg = rnn.config();
            int width = cfg.directions() * cfg.outputSize(), sweeps = cfg.sweeps();
            for (int b = 0; b < batch; b++) {
                int at = order[from + b];
                Object[] values = new Object[plan.columns()];
                Row row = window[at];
                for (int c = 0; c < row.length(); c++) values[c] = row.get(c);
                int k = row.length();
                values[k++] = rows(y, lengths[b], batch, b, width);
                if (hN != null) values[k++] = rows(hN, sweeps, batch, b, cfg.outputSize());
                if (cN != null) values[k] = rows(cN, sweeps, batch, b, cfg.hiddenSize());
                done[at] = RowFactory.create(values);
            }
        }
    }

    /** Row b of a [n, batch, width] array as [rows][width] (rows ≤ n: a row's own length for y). */
    private static Object rows(Object flat, int rows, int batch, int b, int width) {
        if (flat instanceof float[] f) {
            float[][] out = new float[rows][];
            for (int t = 0; t < rows; t++) out[t] = Arrays.copyOfRange(f, (t * batch + b) * width, (t * batch + b + 1) * width);
            return out;
        }
        double[] d = (double[]) flat;
        double[][] out = new double[rows][];
        for (int t = 0; t < rows; t++) out[t] = Arrays.copyOfRange(d, (t * batch + b) * width, (t * batch + b + 1) * width);
        return out;
    }
}
