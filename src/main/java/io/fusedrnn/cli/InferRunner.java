package io.fusedrnn.cli;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.NonFinite;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.Tensor.Block;
import io.fusedrnn.io.AtomicFiles;
import io.fusedrnn.io.NpyFile;
import io.fusedrnn.io.NpyOutput;
import io.fusedrnn.io.NpyReader;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;
import io.fusedrnn.model.RnnOutput;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The body of {@code infer}: streams batch chunks of a memory-mapped input .npy through a prepared
 * model and writes each chunk's y (and h_n, c_n) into temporary files, moved into place only when
 * every chunk succeeded. Rows are independent, so the chunks give bitwise the one-shot result; the
 * chunk size comes from a memory budget unless {@code --chunk-rows} says otherwise. It holds the
 * model, the checked options and the stream progress goes to.
 */
record InferRunner(RnnModel model, InferOptions o, PrintStream err) {
    /** Working memory aimed at per chunk (inputs, outputs, the backend's per-layer scratch). */
    static final long DEFAULT_BUDGET_BYTES = 256L << 20;
    /** Values of y staged on their way to the file (1 MiB of fp32): at least one step or row of a chunk. */
    static final long STAGING_VALUES = 1L << 18;
    /** The staging size in use: {@link #STAGING_VALUES}, smaller in tests so that a chunk's y is written in pieces. */
    static volatile long stagingValues = STAGING_VALUES;
    /** Called with a chunk's first row before it runs (main thread) and before it is written (writer thread); tests fail a run there. */
    static volatile ChunkHook hook = (b0, writing) -> { };

    /** See {@link #hook}. */
    interface ChunkHook {
        void at(int b0, boolean writing);
    }

    /** Runs the model over the whole input; throws FusedRnnException (bad input) or NonFinite.Found. */
    void run() {
        RnnConfig cfg = model.config();
        boolean bf = o.batchFirst(), lstm = cfg.cell().gates() == 4;
        Precision p = o.precision();
        int[] xShape;
        String xDescr;
        try (NpyFile x = NpyFile.open(o.input())) {
            if (!x.kind().isFloating() || x.rank() != 3 || x.dim(2) != cfg.inputSize() || x.dim(0) < 1 || x.dim(1) < 1) {
                throw new FusedRnnException("--input " + o.input() + ": expected " + (bf ? "[B, T, " : "[T, B, ") + cfg.inputSize()
                        + "] float32/float64 for " + cfg.describe() + ", found " + x.shapeText() + " '" + x.descr() + "'");
            }
            if (o.checkFinite()) checkFinite("--input " + o.input(), x);
            xShape = x.shape();
            xDescr = x.descr();
        }
        try (Inputs in = new Inputs()) {
            int steps = bf ? xShape[1] : xShape[0], batch = bf ? xShape[0] : xShape[1], n = cfg.sweeps();
            if (!lstm && (o.c0() != null || o.cn() != null)) {
                throw new FusedRnnException((o.c0() != null ? "--c0" : "--cn") + ": the model is a GRU, which has no cell state");
            }
            in.h0 = state("--h0", o.h0(), n, batch, cfg.outputSize(), "H_out");
            in.c0 = state("--c0", o.c0(), n, batch, cfg.hiddenSize(), "H");
            int[] lengths = lengths(o.lengths(), steps, batch);
            if (o.checkFinite()) {
                checkFinite("--h0 " + o.h0(), in.h0);
                checkFinite("--c0 " + o.c0(), in.c0);
            }
            int width = cfg.outputWidth();
            try (Outputs out = new Outputs()) {
                NpyOutput y = out.add(o.output(), p, bf ? new int[] {batch, steps, width} : new int[] {steps, batch, width});
                NpyOutput hn = o.hn() == null ? null : out.add(o.hn(), p, n, batch, cfg.outputSize());
                NpyOutput cn = o.cn() == null ? null : out.add(o.cn(), p, n, batch, cfg.hiddenSize());
                try (Backend backend = Backends.open(o.backend())) {
                    if (!backend.supports(p)) {
                        throw new BackendUnavailableException("--precision " + p + ": not supported by backend "
                                + backend.name() + " (" + backend.description() + "); use --precision fp32 or another --backend");
                    }
                    int rows = o.chunkRows() > 0 ? Math.min(o.chunkRows(), batch) : chunkRows(cfg, steps, batch, p);
                    try (PreparedRnn rnn = model.prepare(backend, p)) {
                        new Chunks(rnn, xShape, xDescr, in, lengths, steps, batch, rows, y, hn, cn).run();
                    }
                }
                out.commit();
            }
        }
    }

    /** Batch rows per chunk that keep one chunk's tensors and scratch within the default budget. */
    static int chunkRows(RnnConfig cfg, int steps, int batch, Precision p) {
        long h = cfg.hiddenSize(), out = cfg.outputWidth(), gates = (long) cfg.cell().gates() * h * cfg.sweeps();
        // per row and step: x, y of this and the previous layer, y staged for the file, and each
        // sweep's input projection (kept between chunks by the vector backend)
        long perRow = (long) steps * p.bytes() * (cfg.inputSize() + 3 * out + gates);
        long rows = Math.max(1, DEFAULT_BUDGET_BYTES / Math.max(1, perRow));
        if (rows >= batch) return batch;
        if (rows < ROW_ALIGN) {
            long chunks = (batch + rows - 1) / rows;
            return (int) ((batch + chunks - 1) / chunks); // about equal chunks, as many as the budget needs
        }
        // about equal chunks of whole ROW_ALIGN rows (the last one shorter), as few as the budget allows
        long most = rows / ROW_ALIGN * ROW_ALIGN, chunks = (batch + most - 1) / most;
        return (int) (((batch + chunks - 1) / chunks + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN);
    }

    /**
     * Chunks hold a multiple of this many rows where the budget allows: two workers' 8-row GEMM tiles,
     * so no worker's step ends in rows of the narrow kernels. On the 210 MB case a chunk of 293 rows
     * took 0.49–0.54 ms per row and one of 304 rows 0.42–0.46 (benchmarks/RESULTS.md, "Round 8").
     */
    static final int ROW_ALIGN = 16;

    /** The chunk loop: upload a slice of rows, run it, write its outputs, report progress. */
    private final class Chunks {
        private final PreparedRnn rnn;
        private final int[] xShape;
        private final String xDescr;
        private final Inputs in;
        private final int[] lengths;
        private final int steps, batch, rows;
        private final NpyOutput y, hn, cn;
        private final Precision p;
        private final NonFiniteScan yScan = new NonFiniteScan(), hScan = new NonFiniteScan(), cScan = new NonFiniteScan();

        Chunks(PreparedRnn rnn, int[] xShape, String xDescr, Inputs in, int[] lengths, int steps, int batch, int rows,
               NpyOutput y, NpyOutput hn, NpyOutput cn) {
            this.rnn = rnn;
            this.xShape = xShape;
            this.xDescr = xDescr;
            this.in = in;
            this.lengths = lengths;
            this.steps = steps;
            this.batch = batch;
            this.rows = rows;
            this.y = y;
            this.hn = hn;
            this.cn = cn;
            this.p = rnn.precision();
        }

        void run() {
            RnnConfig cfg = rnn.config();
            int inSize = cfg.inputSize(), width = cfg.outputWidth(), n = cfg.sweeps();
            boolean bf = o.batchFirst();
            InferProgress progress = new InferProgress(err, batch);
            Tensor xt = null;
            // a chunk's outputs go to the files on a thread of their own while the next chunk runs: the
            // write (the kernel's copy into the page cache, and its writeback) otherwise left a core idle
            ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "fusedrnn-infer-writer");
                t.setDaemon(true);
                return t;
            });
            try (Arena arena = Arena.ofShared()) { // shared: the writer thread uses the staging buffer
                // y goes to the file through a small staging buffer, a piece of the chunk at a time: it
                // stays in cache, and a chunk-sized one (30 MB on the 210 MB case) cost 0.2 s of fresh
                // pages, zeroed by the allocation and again by the kernel, before the first sweep
                long piece = bf ? (long) steps * width : (long) rows * width;
                MemorySegment staging = arena.allocate(Math.max(piece, Math.min(stagingValues, (long) steps * rows * width)) * p.bytes(), 64);
                Future<?> writing = null;
                RnnOutput written = null; // the outputs `writing` reads, closed once it is done
                try {
                    for (int b0 = 0; b0 < batch; b0 += rows) {
                        int bc = Math.min(rows, batch - b0);
                        if (xt == null || xt.dim(1) != bc) {
                            if (xt != null) xt.close();
                            xt = rnn.backend().allocate(p, steps, bc, inSize);
                        }
                        // mapped afresh per chunk: a mapping's touched pages count as resident until it is unmapped
                        try (NpyFile xf = NpyFile.open(o.input())) {
                            if (!Arrays.equals(xf.shape(), xShape) || !xf.descr().equals(xDescr)) {
                                throw new FusedRnnException("--input " + o.input() + ": changed while being read (now " + xf.shapeText() + " '" + xf.descr() + "')");
                            }
                            if (bf) { // file [B, T, I]: rows b0.. are one contiguous [bc, T, I] piece
                                for (Block b : Block.swapFirstTwo(bc, steps, inSize, (long) b0 * steps * inSize, 0)) xf.copyTo(xt, b);
                            } else {  // file [T, B, I]: T runs of bc·I values
                                xf.copyTo(xt, new Block((long) b0 * inSize, (long) batch * inSize, 0, (long) bc * inSize, (long) bc * inSize, steps));
                            }
                        }
                        hook.at(b0, false);
                        RnnOutput out;
                        try (Tensor h0 = in.h0 == null ? null : slice(in.h0, n, b0, bc, cfg.outputSize());
                             Tensor c0 = in.c0 == null ? null : slice(in.c0, n, b0, bc, cfg.hiddenSize())) {
                            out = rnn.forward(xt, h0, c0, lengths == null ? null : Arrays.copyOfRange(lengths, b0, b0 + bc));
                        }
                        Future<?> before = writing;
                        RnnOutput beforeOut = written;
                        writing = null;
                        written = out;
                        finish(before, beforeOut); // the previous chunk's files, in chunk order
                        int first = b0;
                        writing = writer.submit(() -> {
                            hook.at(first, true);
                            writeY(out.y(), staging, first, bc, width, bf);
                            writeState(out.hN(), hn, hScan, first, bc, cfg.outputSize(), n);
                            writeState(out.cN(), cn, cScan, first, bc, cfg.hiddenSize(), n);
                            progress.update(first + bc);
                        });
                    }
                    Future<?> last = writing;
                    RnnOutput lastOut = written;
                    writing = null;
                    written = null;
                    finish(last, lastOut);
                } finally {
                    if (writing != null) { // a chunk failed while the one before it was being written: let that end first
                        try {
                            writing.get();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } catch (ExecutionException e) {
                            // the failure that brought us here propagates
                        }
                    }
                    if (written != null && (writing == null || writing.isDone())) written.close(); // an interrupted wait leaves them to the writer's end
                }
            } finally {
                writer.shutdownNow();
                if (xt != null) xt.close();
            }
            progress.done();
            if (o.checkFinite()) {
                int[] yShape = bf ? new int[] {batch, steps, width} : new int[] {steps, batch, width};
                yScan.check("y", yShape);
                hScan.check("h_n", new int[] {n, batch, cfg.outputSize()});
                cScan.check("c_n", new int[] {n, batch, cfg.hiddenSize()});
            }
        }

        /** Waits for a chunk's write (if any), rethrowing its failure as it was, and closes its outputs. */
        private static void finish(Future<?> writing, RnnOutput written) {
            if (writing == null) return;
            try {
                writing.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FusedRnnException("infer: interrupted while writing the outputs", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error r) throw r;
                throw new FusedRnnException("infer: writing the outputs failed: " + e.getCause(), e.getCause());
            } finally {
                if (writing.isDone()) written.close(); // not under a writer still reading them (an interrupted wait)
            }
        }

        /** Rows b0..b0+bc of a state file [n, B, size] as a tensor [n, bc, size]. */
        private Tensor slice(NpyFile f, int n, int b0, int bc, int size) {
            Tensor t = rnn.backend().allocate(p, n, bc, size);
            try {
                f.copyTo(t, new Block((long) b0 * size, (long) batch * size, 0, (long) bc * size, (long) bc * size, n));
            } catch (RuntimeException e) {
                t.close();
                throw e;
            }
            return t;
        }

        /** Writes chunk rows b0..b0+bc of y through staging, as many whole steps (or batch-first rows) at a time as it holds. */
        private void writeY(Tensor yt, MemorySegment staging, int b0, int bc, int width, boolean bf) {
            long stage = staging.byteSize() / p.bytes();
            if (bf) { // file [B, T, W]: rows r0..r1 are one contiguous piece of the file
                long row = (long) steps * width;
                int per = (int) Math.max(1, Math.min(bc, stage / row));
                for (int r0 = 0; r0 < bc; r0 += per) {
                    int rn = Math.min(per, bc - r0);
                    MemorySegment s = staging.asSlice(0, rn * row * p.bytes());
                    for (int r = 0; r < rn; r++) yt.read(s, new Block((long) (r0 + r) * width, (long) bc * width, r * row, width, width, steps));
                    long at = (long) (b0 + r0) * row;
                    if (o.checkFinite()) yScan.scan(s, p, at, i -> i);
                    y.write(s, Block.contiguous(0, at, rn * row));
                }
            } else {  // file [T, B, W]: each step is a run of bc·W values, batch·W apart in the file
                long run = (long) bc * width;
                int per = (int) Math.max(1, Math.min(steps, stage / run));
                for (int t0 = 0; t0 < steps; t0 += per) {
                    int tn = Math.min(per, steps - t0);
                    MemorySegment s = staging.asSlice(0, tn * run * p.bytes());
                    yt.read(s, Block.contiguous(t0 * run, 0, tn * run));
                    long at = ((long) t0 * batch + b0) * width;
                    if (o.checkFinite()) yScan.scan(s, p, at, i -> i / run * batch * width + i % run);
                    y.write(s, new Block(0, run, at, (long) batch * width, run, tn));
                }
            }
        }

        private void writeState(Tensor t, NpyOutput file, NonFiniteScan scan, int b0, int bc, int size, int n) {
            if (t == null || (file == null && !o.checkFinite())) return;
            long run = (long) bc * size;
            if (o.checkFinite()) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment s = a.allocate(t.size() * p.bytes(), 8);
                    t.read(s);
                    scan.scan(s, p, 0, i -> (i / run * batch + b0) * size + i % run);
                }
            }
            if (file != null) file.write(t, new Block(0, run, (long) b0 * size, (long) batch * size, run, n));
        }
    }

    /** The first non-finite value over all chunks, in the output file's order, and how many there are. */
    private static final class NonFiniteScan {
        private long first = -1, count;
        private double value;

        /** Scans a staged piece whose local index i is element {@code toGlobal(i)} of the file (increasing in i). */
        void scan(MemorySegment s, Precision p, long base, java.util.function.LongUnaryOperator toGlobal) {
            long n = s.byteSize() / p.bytes();
            for (long i = 0; i < n; i++) {
                double v = p == Precision.FP32 ? s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i) : s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i);
                if (Double.isFinite(v)) continue;
                count++;
                long g = base + toGlobal.applyAsLong(i);
                if (first < 0 || g < first) {
                    first = g;
                    value = v;
                }
            }
        }

        void check(String name, int[] shape) {
            if (first < 0) return;
            throw NonFinite.Found.at(name, value, shape, first, count);
        }
    }

    /** Fails when a floating-point input file holds a NaN or infinity, naming its position. */
    private static void checkFinite(String name, NpyFile f) {
        if (f == null) return;
        long first = f.firstNonFinite();
        if (first < 0) return;
        long count = 0;
        for (long i = first; i < f.count(); i++) if (!Double.isFinite(f.getDouble(i))) count++;
        throw NonFinite.Found.at(name, f.getDouble(first), f.shape(), first, count);
    }

    private static NpyFile state(String option, Path file, int n, int batch, int size, String sizeName) {
        if (file == null) return null;
        NpyFile f = NpyFile.open(file);
        if (!f.kind().isFloating() || f.rank() != 3 || f.dim(0) != n || f.dim(1) != batch || f.dim(2) != size) {
            String found = f.shapeText() + " '" + f.descr() + "'";
            f.close();
            throw new FusedRnnException(option + " " + file + ": expected [" + n + ", " + batch + ", " + size + "] (L·D, B, "
                    + sizeName + ") float32/float64, found " + found);
        }
        return f;
    }

    private static int[] lengths(Path file, int steps, int batch) {
        if (file == null) return null;
        int[] len = NpyReader.readInts(file);
        if (len.length != batch) throw new FusedRnnException("--lengths " + file + ": expected [" + batch + "] (B), found [" + len.length + "]");
        for (int b = 0; b < batch; b++) {
            if (len[b] < 0 || len[b] > steps) {
                throw new FusedRnnException("--lengths " + file + ": lengths[" + b + "]: expected 0.." + steps + " (T), found " + len[b]);
            }
        }
        return len;
    }

    /** The optional state inputs, closed together. */
    private static final class Inputs implements AutoCloseable {
        NpyFile h0, c0;

        @Override
        public void close() {
            if (h0 != null) h0.close();
            if (c0 != null) c0.close();
        }
    }

    /** Output files written to temporary files beside their destinations; moved into place by {@link #commit}, else deleted. */
    private static final class Outputs implements AutoCloseable {
        private final List<Path[]> moves = new ArrayList<>();
        private final List<NpyOutput> files = new ArrayList<>();

        NpyOutput add(Path destination, Precision p, int... shape) {
            Path tmp = AtomicFiles.temporaryBeside(destination);
            moves.add(new Path[] {tmp, destination.toAbsolutePath()});
            NpyOutput f = NpyOutput.create(tmp, p, shape);
            files.add(f);
            return f;
        }

        void commit() {
            for (NpyOutput f : files) f.finish();
            for (Path[] m : moves) AtomicFiles.move(m[0], m[1]);
        }

        @Override
        public void close() {
            for (NpyOutput f : files) f.close();
            for (Path[] m : moves) {
                try {
                    Files.deleteIfExists(m[0]);
                } catch (IOException ignored) {
                    // best effort: the temporary file is hidden and named after its destination
                }
            }
        }
    }
}
