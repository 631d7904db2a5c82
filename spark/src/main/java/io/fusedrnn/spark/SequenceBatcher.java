package io.fusedrnn.spark;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnOutput;

import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.unsafe.Platform;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Runs one partition's rows through a prepared model in batched sweeps. It reads a window of rows,
 * orders them by length so each batch pads little, runs each batch as one forward with per-row
 * lengths (padded to the batch's longest row), and hands the rows back in their original order with
 * y, h_n (and c_n) appended. Each row's result is that of its sequence run alone: lengths stop its
 * state at its own last step and the reverse direction starts there.
 *
 * <p>Rows stay in Spark's internal form: the input is read from its {@link ArrayData} straight into
 * the batch's buffer, each output matrix is one {@link UnsafeArrayData} copied from the sweep's
 * result in one block per step, and the input row is passed through as it is
 * ({@link JoinedRow}); the buffers (x, and y, h_n, c_n as read from the backend) are reused from
 * batch to batch.
 */
final class SequenceBatcher implements Iterator<InternalRow> {
    private final Iterator<InternalRow> input;
    private final PreparedRnn rnn;
    private final PartitionInference plan;
    private final int partition;
    private final int inputSize;
    private final boolean fp32;
    private final InternalRow[] window;
    private final ArrayData[] sequences;
    private final long[] order;
    private final InternalRow[] done;
    private Object buffer;
    /** y, h_n and c_n of the last batch, reused (see {@link #download}). */
    private final Object[] outputs = new Object[3];
    private int count;
    private int next;
    private long firstRow;

    SequenceBatcher(Iterator<InternalRow> input, PreparedRnn rnn, PartitionInference plan, int partition) {
        this.input = input;
        this.rnn = rnn;
        this.plan = plan;
        this.partition = partition;
        this.inputSize = rnn.config().inputSize();
        this.fp32 = rnn.precision() == Precision.FP32;
        this.buffer = fp32 ? new float[0] : new double[0];
        int size = Math.multiplyExact(plan.batchSize(), plan.sortWindow());
        this.window = new InternalRow[size];
        this.sequences = new ArrayData[size];
        this.order = new long[size];
        this.done = new InternalRow[size];
    }

    @Override
    public boolean hasNext() {
        if (next < count) return true;
        if (!input.hasNext()) return false;
        fill();
        return next < count;
    }

    @Override
    public InternalRow next() {
        if (!hasNext()) throw new NoSuchElementException();
        InternalRow r = done[next];
        done[next++] = null;
        return r;
    }

    /** Reads the next window of rows, runs it sorted by length in batches, keeps the results in input order. */
    private void fill() {
        firstRow += count;
        count = 0;
        next = 0;
        while (count < window.length && input.hasNext()) {
            InternalRow row = input.next().copy(); // the scan reuses its row object
            window[count] = row;
            if (row.isNullAt(plan.inputIndex())) {
                throw SequenceColumn.bad(where(count), plan.inputCol(), "expected a sequence [T][" + inputSize + "], found null");
            }
            sequences[count] = row.getArray(plan.inputIndex());
            // longest first, ties in input order: (Integer.MAX_VALUE - T) in the high half, the position in the low
            order[count] = (long) (Integer.MAX_VALUE - sequences[count].numElements()) << 32 | count;
            count++;
        }
        Arrays.sort(order, 0, count);
        for (int from = 0; from < count; from += plan.batchSize()) {
            run(from, Math.min(count, from + plan.batchSize()));
        }
        Arrays.fill(window, 0, count, null);
        Arrays.fill(sequences, 0, count, null);
    }

    /** Names window position {@code at} in an error: its id, else its position in the partition. */
    private String where(int at) {
        if (plan.idIndex() >= 0) {
            InternalRow row = window[at];
            Object id = row.isNullAt(plan.idIndex()) ? null
                    : CatalystTypeConverters.convertToScala(row.get(plan.idIndex(), plan.idType()), plan.idType());
            return "row " + plan.idCol() + "=" + id;
        }
        return "row " + (firstRow + at) + " of partition " + partition;
    }

    /** One batched sweep over the rows at order[from..to). */
    private void run(int from, int to) {
        int batch = to - from;
        int[] lengths = new int[batch];
        int steps = 1; // a batch of empty sequences still runs one (masked) step
        for (int b = 0; b < batch; b++) {
            lengths[b] = sequences[(int) order[from + b]].numElements();
            steps = Math.max(steps, lengths[b]);
        }
        int n = Math.multiplyExact(steps * batch, inputSize);
        if ((fp32 ? ((float[]) buffer).length : ((double[]) buffer).length) < n) {
            buffer = fp32 ? new float[n] : new double[n];
        } else if (fp32) {
            Arrays.fill((float[]) buffer, 0, n, 0f); // [T, B, I], zero past each row's length
        } else {
            Arrays.fill((double[]) buffer, 0, n, 0d);
        }
        for (int b = 0; b < batch; b++) {
            int at = (int) order[from + b];
            SequenceColumn.copy(sequences[at], plan.element(), inputSize, buffer, batch, b, plan.inputCol(), this::where, at);
        }
        Backend backend = rnn.backend();
        Precision p = rnn.precision();
        MemorySegment x = (fp32 ? MemorySegment.ofArray((float[]) buffer) : MemorySegment.ofArray((double[]) buffer))
                .asSlice(0, (long) n * p.bytes());
        try (Tensor xt = backend.upload(p, x, steps, batch, inputSize);
             RnnOutput out = rnn.forward(xt, null, null, lengths)) {
            Object y = download(out.y(), 0);
            Object hN = plan.hn() ? download(out.hN(), 1) : null;
            Object cN = plan.cn() ? download(out.cN(), 2) : null;
            RnnConfig cfg = rnn.config();
            int width = cfg.directions() * cfg.outputSize(), sweeps = cfg.sweeps();
            for (int b = 0; b < batch; b++) {
                int at = (int) order[from + b];
                Object[] values = new Object[plan.columns() - window[at].numFields()];
                int k = 0;
                values[k++] = matrix(y, lengths[b], batch, b, width);
                if (hN != null) values[k++] = matrix(hN, sweeps, batch, b, cfg.outputSize());
                if (cN != null) values[k] = matrix(cN, sweeps, batch, b, cfg.hiddenSize());
                done[at] = new JoinedRow(window[at], new GenericInternalRow(values));
            }
        }
    }

    /**
     * The values of {@code t} in this batcher's array {@code slot} (0: y, 1: h_n, 2: c_n), grown when
     * too short and otherwise reused: a batch's y is megabytes, which G1 would allocate as a humongous
     * object and zero for every batch.
     */
    private Object download(Tensor t, int slot) {
        long n = t.size();
        Object a = outputs[slot];
        if (a == null || (fp32 ? ((float[]) a).length : ((double[]) a).length) < n) {
            a = outputs[slot] = fp32 ? new float[Math.toIntExact(n)] : new double[Math.toIntExact(n)];
        }
        MemorySegment all = fp32 ? MemorySegment.ofArray((float[]) a) : MemorySegment.ofArray((double[]) a);
        t.read(all.asSlice(0, n * t.precision().bytes()));
        return a;
    }

    /**
     * Row b of a [n, batch, width] float[] or double[] as [rows][width] (rows ≤ n: a row's own length
     * for y): one {@link UnsafeArrayData} in Spark's layout (the outer array's header and each step's
     * offset and size, then each step as an array of its own), filled with one copy per step, so
     * Spark's projection of the output row copies the whole matrix at once.
     */
    static ArrayData matrix(Object flat, int rows, int batch, int b, int width) {
        boolean f = flat instanceof float[];
        int bytes = f ? Float.BYTES : Double.BYTES;
        long from = f ? Platform.FLOAT_ARRAY_OFFSET : Platform.DOUBLE_ARRAY_OFFSET;
        int outer = UnsafeArrayData.calculateHeaderPortionInBytes(rows), inner = UnsafeArrayData.calculateHeaderPortionInBytes(width);
        int step = Math.toIntExact(inner + ((long) width * bytes + 7) / 8 * 8); // each step's array, padded to whole words
        int size = Math.toIntExact(outer + 8L * rows + (long) rows * step);
        byte[] m = new byte[size]; // zeroed: no null bits
        long to = Platform.BYTE_ARRAY_OFFSET;
        Platform.putLong(m, to, rows);
        for (int t = 0; t < rows; t++) {
            long at = outer + 8L * rows + (long) t * step;
            Platform.putLong(m, to + outer + 8L * t, at << 32 | step);
            Platform.putLong(m, to + at, width);
            Platform.copyMemory(flat, from + (long) (t * batch + b) * width * bytes, m, to + at + inner, (long) width * bytes);
        }
        UnsafeArrayData a = new UnsafeArrayData();
        a.pointTo(m, to, size);
        return a;
    }
}
