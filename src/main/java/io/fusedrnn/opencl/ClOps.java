package io.fusedrnn.opencl;

import io.fusedrnn.Precision;
import org.jocl.cl_mem;

import java.util.function.ObjIntConsumer;

/**
 * The host side of the kernel files for one precision: which file, which -D options, which
 * work-group shape. Sweeps call these; they only enqueue (nothing waits for the device here).
 */
final class ClOps {
    /** Hidden units per work-group in the step kernels (neighbouring units read neighbouring weights). */
    static final int STEP_UNITS = 32;
    /** Width of the h slices the step kernels stage in local memory. */
    static final int STEP_KTILE = 64;
    /**
     * GEMM tile: TSM×TSN per work-group, WPT×WPT accumulators per work-item: 32/4 on a CPU device (the
     * tiled rung there runs only when forced), 128/8 elsewhere (unless {@value #GEMM_TILE_PROPERTY} says).
     */
    static final int GEMM_TS = 32, GEMM_WPT = 4, GEMM_TK = 16;
    static final int GPU_GEMM_TS = 128, GPU_GEMM_WPT = 8;
    /** Tuning: "TS,TK,WPT" for the tiled GEMM (TS a multiple of WPT, (TS/WPT)² work-items at most 1024). */
    static final String GEMM_TILE_PROPERTY = "fusedrnn.opencl.gemmTile";
    /** Tuning: the most slices the tiled GEMM splits K into when its grid is small (1: never; default {@link #gemmSplitLimit}). */
    static final String GEMM_SPLIT_PROPERTY = "fusedrnn.opencl.gemmSplitK";
    /** Tuning: the most K slices of the tiled step kernels (1, 2, 4 or 8; default {@link #stepSplit}; fitted by {@link #stepSplitFor}). */
    static final String STEP_SPLIT_PROPERTY = "fusedrnn.opencl.stepSplit";
    /** Tuning: batch rows per work-item of the tiled step kernels (1 to 16, a power of two; default {@link #stepRowsFor}). */
    static final String STEP_ROWS_PROPERTY = "fusedrnn.opencl.stepRows";
    /** Tuning: the tiled GEMM's work-item layout, "chunked" or "strided" (gemm.cl; default {@link #gemmChunked}). */
    static final String GEMM_LAYOUT_PROPERTY = "fusedrnn.opencl.gemmLayout";
    /**
     * Tuning: "true" makes the tiled GEMM load the next K tile into registers while it multiplies this
     * one (gemm.cl, PREFETCH); off by default until a GPU has timed it (benchmarks/gpu-tune.sh).
     */
    static final String GEMM_PREFETCH_PROPERTY = "fusedrnn.opencl.gemmPrefetch";
    /** Batch rows per work-item of the tiled step kernels by default: 4 rows × 4 gates = 16 registers is where spilling starts on CPUs. */
    static final int STEP_ROWS = 4;

    /** Rows per work-item of gemm_vec (4 rows × 2 vectors = 8 vector accumulators, half of AVX2's 16 registers). */
    static final int GEMM_VEC_ROWS = 4;
    /** Longest K one gemm_vec launch reduces over (see {@link #gemm}). */
    static final int GEMM_VEC_KBLOCK = 256;

    final ClContext ctx;
    final Precision precision;
    private final String real;

    private final boolean vector;
    private final int vectorWidth;
    private final int gemmTs, gemmTk, gemmWpt;
    private final int stepSplit, stepRowsFixed;
    private final boolean gemmChunked, gemmPrefetch;
    /** Whether the device is a CPU (its defaults differ: see the tuning properties). */
    private final boolean cpu;
    private final int gemmSplitLimit;

    /**
     * @param vector whether the CPU rung may run (a CPU device, not forced to the tiled kernels); it
     *               runs only where the device's preferred vector width for this precision is an
     *               OpenCL vector size (2, 4, 8 or 16)
     */
    ClOps(ClContext ctx, Precision precision, boolean vector) {
        this.ctx = ctx;
        this.precision = precision;
        int w = precision == Precision.FP64 ? ctx.device.doubleVectorWidth() : ctx.device.floatVectorWidth();
        this.vectorWidth = w;
        this.vector = vector && (w == 2 || w == 4 || w == 8 || w == 16);
        this.real = "-cl-std=CL1.2 " + (precision == Precision.FP64 ? "-D REAL=double -D USE_FP64" : "-D REAL=float");
        this.cpu = ctx.device.type().contains("CPU");
        String tileProperty = System.getProperty(GEMM_TILE_PROPERTY);
        int[] tile = gemmTile(tileProperty, cpu);
        this.gemmChunked = gemmChunked(System.getProperty(GEMM_LAYOUT_PROPERTY), cpu, tile[2]);
        this.gemmPrefetch = flag(GEMM_PREFETCH_PROPERTY, System.getProperty(GEMM_PREFETCH_PROPERTY));
        tile = fitGemmTile(tile, gemmChunked, precision.bytes(), ctx.device.maxWorkGroupSize(), ctx.device.localMemory(),
                tileProperty != null && !tileProperty.isBlank(), ctx.device.name());
        this.gemmTs = tile[0];
        this.gemmTk = tile[1];
        this.gemmWpt = tile[2];
        this.stepSplit = stepSplit(System.getProperty(STEP_SPLIT_PROPERTY), cpu);
        this.gemmSplitLimit = gemmSplitLimit(System.getProperty(GEMM_SPLIT_PROPERTY), cpu);
        String rows = System.getProperty(STEP_ROWS_PROPERTY);
        this.stepRowsFixed = rows == null || rows.isBlank() ? 0 : powerOfTwo(STEP_ROWS_PROPERTY, rows, 16, STEP_ROWS);
    }

    /** {@code property} as a boolean: "true" or "false" (false when unset). */
    static boolean flag(String name, String property) {
        if (property == null || property.isBlank() || property.trim().equals("false")) return false;
        if (property.trim().equals("true")) return true;
        throw new io.fusedrnn.FusedRnnException(name + ": expected true or false, found '" + property + "'");
    }

    /** Local memory of the tiled GEMM's two staged tiles (gemm.cl: TK rows of TS, padded by 4 when chunked). */
    static long gemmLocalBytes(int ts, int tk, boolean chunked, int bytes) {
        long elements = ((long) tk * (ts + (chunked ? 4 : 0)) + 3) / 4 * 4; // each tile, as REAL4s
        return 2 * elements * bytes;
    }

    /**
     * {@code tile} on a device of {@code maxWorkGroup} work-items and {@code localMemory} bytes per
     * work-group: a default tile's TS is halved (keeping WPT) until its (TS/WPT)² work-items and staged
     * tiles fit (fp64 doubles the tiles: 128/16 chunked needs 33.8 KB, over a 32 KB device); a tile the
     * user set ({@code explicit}) that does not fit is an error naming both.
     */
    static int[] fitGemmTile(int[] tile, boolean chunked, int bytes, long maxWorkGroup, long localMemory, boolean explicit, String device) {
        int ts = tile[0], tk = tile[1], wpt = tile[2];
        while (ts > wpt && ((long) (ts / wpt) * (ts / wpt) > maxWorkGroup || gemmLocalBytes(ts, tk, chunked, bytes) > localMemory)) {
            if (explicit) {
                throw new io.fusedrnn.FusedRnnException(GEMM_TILE_PROPERTY + ": " + ts + "," + tk + "," + wpt + " needs " + (ts / wpt) * (ts / wpt)
                        + " work-items and " + gemmLocalBytes(ts, tk, chunked, bytes) + " bytes of local memory per work-group; " + device
                        + " allows " + maxWorkGroup + " and " + localMemory);
            }
            ts /= 2;
        }
        return new int[] {ts, tk, wpt};
    }

    /**
     * Whether the tiled GEMM takes its rows and columns in runs of 4 read as vectors (gemm.cl, CHUNKED):
     * {@value #GEMM_LAYOUT_PROPERTY} when set ("chunked" needs WPT % 4 == 0), else off CPUs when WPT
     * allows. On the H200 the 128/8 tile chunked ran the large LSTM's input projection at 23.4 TFLOP/s
     * against the strided 64/8's 18.6 (benchmarks/RESULTS.md, GPU, round 9).
     */
    static boolean gemmChunked(String property, boolean cpu, int wpt) {
        if (property == null || property.isBlank()) return !cpu && wpt % 4 == 0;
        String v = property.trim();
        if (v.equals("strided")) return false;
        if (v.equals("chunked") && wpt % 4 == 0) return true;
        throw new io.fusedrnn.FusedRnnException(GEMM_LAYOUT_PROPERTY + ": expected 'chunked' (with the tile's WPT a multiple of 4, here "
                + wpt + ") or 'strided', found '" + property + "'");
    }

    /**
     * The most K slices of a tiled GEMM: {@value #GEMM_SPLIT_PROPERTY} when set (1, 2, 4, 8 or 16), else 1 on
     * a CPU and 16 elsewhere. On the H200 a backward step's dh_prev = dA·W_hh (B=64, H=512: 64 × 512
     * outputs over K = 2048) was 8 work-groups of the 64×64 tile for 132 multiprocessors, each
     * walking all 2048 k; the training step took 8× cuDNN's time (benchmarks/RESULTS.md, GPU).
     */
    static int gemmSplitLimit(String property, boolean cpu) {
        return powerOfTwo(GEMM_SPLIT_PROPERTY, property, 16, cpu ? 1 : 16);
    }

    /** {@code property}'s value, a power of two from 1 to {@code max}; {@code fallback} when unset. */
    private static int powerOfTwo(String name, String property, int max, int fallback) {
        if (property == null || property.isBlank()) return fallback;
        try {
            int k = Integer.parseInt(property.trim());
            if (k >= 1 && k <= max && Integer.bitCount(k) == 1) return k;
        } catch (NumberFormatException e) {
            // falls through to the one message
        }
        throw new io.fusedrnn.FusedRnnException(name + ": expected a power of two from 1 to " + max + ", found '" + property + "'");
    }

    /**
     * How many slices a tiled GEMM of {@code groups} work-groups over {@code k} splits K into: doubling
     * while the grid stays under two work-groups per compute unit and each slice keeps at least two
     * K tiles, up to {@link #gemmSplitLimit}.
     */
    static int gemmSlices(int groups, int k, int computeUnits, int limit, int tk) {
        int s = 1;
        while (s * 2 <= limit && (long) groups * s < 2L * computeUnits && k / (s * 2) >= 2 * tk) s *= 2;
        return s;
    }

    /**
     * The tiled GEMM's TS, TK, WPT: {@value #GEMM_TILE_PROPERTY}'s "TS,TK,WPT", else the CPU's or the
     * GPU's default. On the H200 64/16/8 took 25% off the batch shape's LSTM and 17% off the large one
     * against 32/16/4 (128/16/8 was faster still at the large shape, slower at the batch one;
     * benchmarks/RESULTS.md, GPU).
     */
    static int[] gemmTile(String property, boolean cpu) {
        if (property == null || property.isBlank()) {
            return cpu ? new int[] {GEMM_TS, GEMM_TK, GEMM_WPT} : new int[] {GPU_GEMM_TS, GEMM_TK, GPU_GEMM_WPT};
        }
        String[] parts = property.split(",");
        try {
            if (parts.length == 3) {
                int ts = Integer.parseInt(parts[0].trim()), tk = Integer.parseInt(parts[1].trim()), wpt = Integer.parseInt(parts[2].trim());
                if (ts > 0 && tk > 0 && wpt > 0 && ts % wpt == 0 && (ts / wpt) * (ts / wpt) <= 1024) return new int[] {ts, tk, wpt};
            }
        } catch (NumberFormatException e) {
            // falls through to the one message
        }
        throw new io.fusedrnn.FusedRnnException(GEMM_TILE_PROPERTY + ": expected TS,TK,WPT with TS a multiple of WPT and (TS/WPT)² <= 1024, found '" + property + "'");
    }

    /**
     * The tiled step kernels' K split: {@value #STEP_SPLIT_PROPERTY} when set, else 1 on a CPU (its
     * threads are few and each runs a work-group's items one after another) and 8 elsewhere: unsplit,
     * the batch shape's step (B=64, H=512) is 256 work-groups of one warp for the H200's 132
     * multiprocessors, each warp walking all 512 k; split 8, the LSTM there took 2.09 ms against 5.12
     * (split 4: 2.41; benchmarks/RESULTS.md, GPU).
     */
    static int stepSplit(String property, boolean cpu) {
        return powerOfTwo(STEP_SPLIT_PROPERTY, property, 8, cpu ? 1 : 8);
    }

    /**
     * The K split a step of {@code rows} rows per work-item runs with: {@link #stepSplit}, halved until
     * the work-group (UNITS × split) fits the device's work-group size and its local memory (the
     * h slice and the split's partial sums) fits the device's.
     */
    int stepSplitFor(int rows) {
        int split = stepSplit;
        long bytes = precision.bytes();
        while (split > 1 && ((long) STEP_UNITS * split > ctx.device.maxWorkGroupSize()
                || ((long) split * rows * 4 * STEP_UNITS + (long) rows * STEP_KTILE) * bytes > ctx.device.localMemory())) {
            split /= 2;
        }
        return split;
    }

    /**
     * The CPU rung: on a CPU device, kernels written with explicit vectors and no local memory (a CPU
     * compiler spills what lives across barriers); GPUs and accelerators get the local-memory tiles.
     */
    boolean vectorKernels() {
        return vector;
    }

    /** gemm_vec needs B's rows contiguous. */
    private boolean vectorGemm(int sbn) {
        return vectorKernels() && sbn == 1;
    }

    /**
     * Lanes per vector of the CPU rung: the device's preferred vector width for this precision
     * (CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT or _DOUBLE; e.g. 8 floats with AVX2, 16 with AVX-512).
     */
    int vectorWidth() {
        return vectorWidth;
    }

    /** The REAL option of this precision (tests build with it). */
    String realOptions() {
        return real;
    }

    /**
     * Batch rows per work-item of a tiled step of {@code batch} rows and {@code hidden} units:
     * {@value #STEP_ROWS_PROPERTY} when set, else {@link #STEP_ROWS}, doubled off CPUs (up to 16) while
     * the grid keeps two work-groups per compute unit. Each work-item reads its W_hh column once for
     * all its rows, so more rows means less weight traffic per step, and fewer work-groups. On the H200:
     * large (B=256, H=1024) LSTM 8.26 ms with 4 rows, 7.71 with 8, 6.92 with 16 (512 work-groups); batch
     * (B=64, H=512) 1.74 with 4, 1.90 with 8 (128 work-groups; benchmarks/RESULTS.md, GPU, round 9).
     */
    int stepRowsFor(int batch, int hidden) {
        if (stepRowsFixed > 0) return stepRows(batch, stepRowsFixed);
        return stepRowsFor(batch, hidden, cpu ? 0 : ctx.device.computeUnits());
    }

    /** {@link #stepRowsFor(int, int)} on a device of {@code computeUnits} (0: a CPU, no doubling). */
    static int stepRowsFor(int batch, int hidden, int computeUnits) {
        int rows = stepRows(batch, STEP_ROWS);
        long unitGroups = (hidden + STEP_UNITS - 1) / STEP_UNITS;
        while (computeUnits > 0 && rows < 16 && rows * 2 <= batch
                && (batch + 2L * rows - 1) / (2L * rows) * unitGroups >= 2L * computeUnits) {
            rows *= 2;
        }
        return rows;
    }

    /** Rows per work-item: the largest power of two up to {@code max} and the batch. */
    static int stepRows(int batch, int max) {
        int rows = 1;
        while (rows * 2 <= max && rows * 2 <= batch) rows *= 2;
        return rows;
    }

    /** A step kernel chosen for a shape: its launcher and the sizes to run it with. */
    record Step(Launch kernel, long[] global, long[] local, boolean vector) {
        /** Binds the recurrent weights this rung reads: W_hh in panels as whhP (vector rung), or W_hhᵀ as whhT (tiled). */
        Launch recurrentWeights(Launch l, ClLayer layer) {
            return vector ? l.mem("whhP", layer.wHhPanels) : l.mem("whhT", layer.wHhT);
        }

        /** A fresh binder to set this step's arguments on. */
        Launch args() {
            return kernel.fresh();
        }

        void run(Launch withArgs) {
            withArgs.run(global, local);
        }
    }

    /** Rows per work-item in the vector step kernels: 2 rows × 4 gates = 8 vector accumulators. */
    static int vectorStepRows(int batch) {
        return batch >= 2 ? 2 : 1;
    }

    /**
     * The step kernel {@code kernel} of {@code file} for B rows of H units: its vector rung
     * ({@code kernel_vec}) on a CPU when H splits into whole vectors and the file has one
     * ({@code hasVector}), else the local-memory tiled kernel.
     */
    Step step(String file, String kernel, int batch, int hidden, boolean hasVector) {
        if (hasVector && vectorKernels() && hidden % vectorWidth() == 0) {
            int rows = vectorStepRows(batch);
            String opts = real + " -D VW=" + vectorWidth() + " -D VROWS=" + rows;
            // about 8 work-items per group (a CPU thread's batch of work), row blocks first
            long blocks = (batch + rows - 1) / rows, units = hidden / vectorWidth();
            long l0 = Math.min(blocks, 8), l1 = Math.max(1, Math.min(8 / l0, units));
            return new Step(ctx.kernel(file, opts, kernel + "_vec"), new long[] {blocks, units}, new long[] {l0, l1}, true);
        }
        int rows = stepRowsFor(batch, hidden), split = stepSplitFor(rows);
        String opts = real + " -D UNITS=" + STEP_UNITS + " -D ROWS=" + rows + " -D KTILE=" + STEP_KTILE + " -D KSPLIT=" + split;
        return new Step(ctx.kernel(file, opts, kernel),
                new long[] {hidden, (long) (batch + rows - 1) / rows * split}, new long[] {STEP_UNITS, split}, false);
    }

    /** The LSTMP projection kernel for B rows of P outputs: its vector rung on CPUs when P splits into whole vectors. */
    Step projection(int batch, int proj) {
        if (vector && proj % vectorWidth() == 0) {
            String opts = real + " -D VW=" + vectorWidth();
            return new Step(ctx.kernel("lstm.cl", opts, "lstmp_project_vec"), new long[] {batch, proj / vectorWidth()},
                    new long[] {Math.min(batch, 8), 1}, true);
        }
        return new Step(elementwise("lstm.cl", "lstmp_project"), new long[] {proj, batch}, new long[] {16, 1}, false);
    }

    /** Largest H·B the one-work-group sweep takes: past it a step's arithmetic outweighs a launch (PoCL: ~70 µs). */
    static final int ONE_GROUP_MAX_WORK = 256;

    /**
     * Whether a whole forward sweep runs as one launch of one work-group ({@code *_sweep_vec}): on the
     * CPU rung, for small batches and hidden sizes, where per-step launches cost more than the steps.
     * One work-group is always resident, so its barrier may order the steps.
     */
    boolean oneGroupSweep(int batch, int hidden, boolean projected) {
        return vector && !projected && hidden % vectorWidth() == 0 && batch <= 2 && (long) batch * hidden <= ONE_GROUP_MAX_WORK;
    }

    /** The one-work-group sweep kernel and its single group's size. */
    Step sweep(String file, String kernel, int batch, int hidden) {
        String opts = real + " -D VW=" + vectorWidth() + " -D VROWS=" + vectorStepRows(batch);
        long size = Math.min(hidden / vectorWidth(), 32);
        return new Step(ctx.kernel(file, opts, kernel), new long[] {size}, new long[] {size}, true);
    }

    Launch elementwise(String file, String kernel) {
        return ctx.kernel(file, real, kernel);
    }

    /**
     * C[M,N] (+)= A·B (+ bias), with A(m,k) = a[aOff + m·sam + k·sak] and B(k,n) = b[bOff + k·sbk + n·sbn].
     * {@code bias} may be null.
     */
    void gemm(int m, int n, int k, cl_mem a, int aOff, int sam, int sak, cl_mem b, int bOff, int sbk, int sbn,
              cl_mem c, int cOff, int ldc, cl_mem bias, boolean accumulate) {
        if (m == 0 || n == 0) return;
        if (k == 0 && accumulate && bias == null) return;
        if (vectorGemm(sbn) && sak != 1 && k > GEMM_VEC_KBLOCK) {
            // Weight gradients reduce over all T·B rows, walking both A (dAᵀ) and B row by row with large
            // strides; in slices of K each work-item's pages still fit the TLB. Slices accumulate.
            for (int k0 = 0; k0 < k; k0 += GEMM_VEC_KBLOCK) {
                int kn = Math.min(GEMM_VEC_KBLOCK, k - k0);
                gemm(m, n, kn, a, aOff + k0 * sak, sam, sak, b, bOff + k0 * sbk, sbk, sbn, c, cOff, ldc,
                        k0 == 0 ? bias : null, k0 > 0 || accumulate);
            }
            return;
        }
        if (vectorGemm(sbn)) {
            int cols = 2 * vectorWidth();
            gemmVec(m, n, k, a, aOff, sam, sak, b, bOff, sbk, sbn, c, cOff, ldc, bias, accumulate, false)
                    .run2((m + GEMM_VEC_ROWS - 1) / GEMM_VEC_ROWS, (n + cols - 1) / cols, 8, 1);
            return;
        }
        try (BoundGemm g = tiledGemm(m, n, k, a, aOff, sam, sak, b, bOff, sbk, sbn, c, cOff, ldc, bias, accumulate)) {
            g.run(aOff, c);
        }
    }

    /**
     * {@link #gemm} of one shape, for a loop that changes only A's offset and C (a backward sweep's
     * dh_prev += dA·W_hh, step after step): the tiled rung's kernels are bound once, their split-K
     * scratch kept for the loop; the vector rung calls {@link #gemm} each time. Close it after the loop.
     */
    BoundGemm boundGemm(int m, int n, int k, cl_mem a, int aOff, int sam, int sak, cl_mem b, int bOff, int sbk, int sbn,
                        cl_mem c, int cOff, int ldc, cl_mem bias, boolean accumulate) {
        if (vectorGemm(sbn)) {
            return new BoundGemm((cNow, aNow) -> gemm(m, n, k, a, aNow, sam, sak, b, bOff, sbk, sbn, cNow, cOff, ldc, bias, accumulate), null);
        }
        return tiledGemm(m, n, k, a, aOff, sam, sak, b, bOff, sbk, sbn, c, cOff, ldc, bias, accumulate);
    }

    private BoundGemm tiledGemm(int m, int n, int k, cl_mem a, int aOff, int sam, int sak, cl_mem b, int bOff, int sbk, int sbn,
                                cl_mem c, int cOff, int ldc, cl_mem bias, boolean accumulate) {
        String opts = real + " -D TSM=" + gemmTs + " -D TSN=" + gemmTs + " -D TK=" + gemmTk
                + " -D WPTM=" + gemmWpt + " -D WPTN=" + gemmWpt + (gemmChunked ? " -D CHUNKED=1" : "")
                + (gemmPrefetch ? " -D PREFETCH=1" : "");
        int local = gemmTs / gemmWpt;
        int tilesN = (n + gemmTs - 1) / gemmTs, tilesM = (m + gemmTs - 1) / gemmTs;
        int slices = gemmSlices(tilesN * tilesM, k, ctx.device.computeUnits(), gemmSplitLimit, gemmTk);
        long[] global = {(long) tilesN * local, (long) tilesM * local, slices}, group = {local, local, 1};
        Launch gemm = ctx.kernel("gemm.cl", opts, "gemm");
        if (slices == 1) {
            Launch g = gemmArgs(gemm, m, n, k, a, aOff, sam, sak, b, bOff, sbk, sbn, c, cOff, ldc, bias, accumulate);
            return new BoundGemm((cNow, aNow) -> g.set("aOff", aNow).setMem("C", cNow).run(global, group), null);
        }
        // the slices' partial products into scratch, then gemm_sum adds them into C
        cl_mem partial = ctx.allocateUninitialised(precision, (long) slices * m * n);
        try {
            Launch sum = ctx.kernel("gemm.cl", opts, "gemm_sum").i("M", m).i("N", n).i("S", slices).mem("P", partial)
                    .mem("C", c).i("cOff", cOff).i("ldc", ldc)
                    .mem("bias", bias == null ? c : bias).flag("useBias", bias != null).flag("accumulate", accumulate);
            Launch g = gemmArgs(gemm, m, n, k, a, aOff, sam, sak, b, bOff, sbk, sbn, partial, 0, n, null, false);
            return new BoundGemm((cNow, aNow) -> {
                g.set("aOff", aNow).run(global, group);
                sum.setMem("C", cNow).run2(n, m, 16, 4);
            }, partial);
        } catch (RuntimeException e) {
            ctx.release(partial);
            throw e;
        }
    }

    /**
     * A GEMM bound for a loop ({@link #boundGemm}); closing it releases the split-K scratch, if any
     * (OpenCL frees it once the commands using it finish).
     */
    final class BoundGemm implements AutoCloseable {
        private final ObjIntConsumer<cl_mem> enqueue;
        private final cl_mem partial;

        private BoundGemm(ObjIntConsumer<cl_mem> enqueue, cl_mem partial) {
            this.enqueue = enqueue;
            this.partial = partial;
        }

        /** Enqueues C (+)= A·B with A from {@code aOff} into {@code c}. */
        void run(int aOff, cl_mem c) {
            enqueue.accept(c, aOff);
        }

        @Override
        public void close() {
            if (partial != null) ctx.release(partial);
        }
    }

    /** The arguments gemm and gemm_vec share, bound on {@code l}. */
    private static Launch gemmArgs(Launch l, int m, int n, int k, cl_mem a, int aOff, int sam, int sak,
                                   cl_mem b, int bOff, int sbk, int sbn, cl_mem c, int cOff, int ldc, cl_mem bias, boolean accumulate) {
        return l.i("M", m).i("N", n).i("K", k)
                .mem("A", a).i("aOff", aOff).i("sam", sam).i("sak", sak)
                .mem("B", b).i("bOff", bOff).i("sbk", sbk).i("sbn", sbn)
                .mem("C", c).i("cOff", cOff).i("ldc", ldc)
                .mem("bias", bias == null ? c : bias).flag("useBias", bias != null).flag("accumulate", accumulate);
    }

    /** gemm_vec with every argument bound ({@code packedB}: B in panels, sbn the panel stride). */
    private Launch gemmVec(int m, int n, int k, cl_mem a, int aOff, int sam, int sak, cl_mem b, int bOff, int sbk, int sbn,
                           cl_mem c, int cOff, int ldc, cl_mem bias, boolean accumulate, boolean packedB) {
        String opts = real + " -D VW=" + vectorWidth() + " -D RM=" + GEMM_VEC_ROWS;
        return gemmArgs(ctx.kernel("gemm.cl", opts, "gemm_vec"), m, n, k, a, aOff, sam, sak, b, bOff, sbk, sbn, c, cOff, ldc,
                bias, accumulate).flag("packedB", packedB);
    }

    /** Columns per B panel of the vector GEMM (2 vectors): the width {@link ClLayer#packColumns} packs to. */
    int panelColumns() {
        return 2 * vectorWidth();
    }

    /**
     * C[M,N] = A·B + bias with B packed by {@link ClLayer#packColumns} into panels of
     * {@link #panelColumns()} columns (vector rung only; N a multiple of the panel width).
     */
    void gemmPackedB(int m, int n, int k, cl_mem a, int aOff, int sam, int sak, cl_mem panels, cl_mem c, int ldc, cl_mem bias) {
        gemmPackedB(m, n, k, k, a, aOff, sam, sak, panels, c, 0, ldc, bias, false);
    }

    /**
     * As above, reducing over the first {@code k} of the panels' {@code panelRows} rows, into C from
     * {@code cOff}, adding to C when {@code accumulate}.
     */
    void gemmPackedB(int m, int n, int k, int panelRows, cl_mem a, int aOff, int sam, int sak, cl_mem panels, cl_mem c,
                     int cOff, int ldc, cl_mem bias, boolean accumulate) {
        if (m == 0 || n == 0) return;
        int cols = panelColumns();
        gemmVec(m, n, k, a, aOff, sam, sak, panels, 0, cols, panelRows * cols, c, cOff, ldc, bias, accumulate, true)
                .run2((m + GEMM_VEC_ROWS - 1) / GEMM_VEC_ROWS, n / cols, 8, 1);
    }

    /** dst[k, b, :] = src[t(k, b), b, :] for k &lt; steps (0 for inactive rows). */
    void gather(int steps, int batch, int width, boolean reverse, cl_mem lengths, cl_mem src, cl_mem dst) {
        stepOrder("gather_steps", steps, batch, width, reverse, lengths, src, dst);
    }

    /** dst[t(k, b), b, :] += src[k, b, :] for active rows, k &lt; steps. */
    void scatterAdd(int steps, int batch, int width, boolean reverse, cl_mem lengths, cl_mem src, cl_mem dst) {
        stepOrder("scatter_add_steps", steps, batch, width, reverse, lengths, src, dst);
    }

    /** gather_steps and scatter_add_steps: one signature. */
    private void stepOrder(String kernel, int steps, int batch, int width, boolean reverse, cl_mem lengths, cl_mem src, cl_mem dst) {
        elementwise("seq.cl", kernel).i("T", steps).i("B", batch).i("W", width).flag("reverse", reverse)
                .mem("lengths", lengths).mem("src", src).mem("dst", dst)
                .run2(width, (long) steps * batch, 16, 1);
    }

    /** Zeroes y's columns [col, col+out) wherever t ≥ len[b]. */
    void zeroPadding(int steps, int batch, int out, cl_mem lengths, cl_mem y, int yCol, int yWidth) {
        elementwise("seq.cl", "zero_padding").i("T", steps).i("B", batch).i("OUT", out).mem("lengths", lengths)
                .mem("y", y).i("yCol", yCol).i("yW", yWidth)
                .run2(out, (long) steps * batch, 16, 1);
    }

    /** out[n] = Σ over m &lt; rows of a[aOff + m·width + n]. */
    void columnSums(int rows, int width, cl_mem a, int aOff, cl_mem out) {
        elementwise("seq.cl", "column_sums").i("M", rows).i("N", width).mem("a", a).i("aOff", aOff).mem("out", out).run1(width, 16);
    }
}
