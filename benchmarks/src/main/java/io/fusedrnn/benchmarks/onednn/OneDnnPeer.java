package io.fusedrnn.benchmarks.onednn;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Cell;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.benchmarks.harness.InferencePeer;
import io.fusedrnn.benchmarks.harness.Problem;
import io.fusedrnn.benchmarks.harness.Trial;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.gru_forward;
import org.bytedeco.dnnl.lbr_gru_forward;
import org.bytedeco.dnnl.lstm_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.rnn_primitive_desc_base;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST_ITER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST_ITER_C;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_LAYER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS_ITER;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS_LAYER;
import static org.bytedeco.dnnl.global.dnnl.dnnl_version;

/**
 * oneDNN (the JavaCPP preset {@code org.bytedeco:dnnl}, CPU engine, its OpenMP runtime with one thread
 * per core) as a benchmark peer: its LSTM, GRU ({@code vanilla_gru}, reset before the recurrent product)
 * and linear-before-reset GRU ({@code lbr_gru}, PyTorch's) forward-inference primitives, fp32, with the
 * weights reordered once into the layout the primitive chooses ({@code format_tag::any}), as oneDNN
 * runs best. Gate order: oneDNN's LSTM is i, f, c̃, o like PyTorch's i, f, g, o; its GRU is u, r, o
 * against PyTorch's r, z, n (u = z, o = n).
 */
public final class OneDnnPeer extends InferencePeer {
    /** oneDNN GRU gate k takes PyTorch block GRU_FROM_TORCH[k]: u, r, o from r, z, n. */
    static final int[] GRU_FROM_TORCH = {Cell.Z, Cell.R, Cell.N};
    /** LSTM gates are in the same order in both. */
    static final int[] LSTM_FROM_TORCH = {Cell.I, Cell.F, Cell.G, Cell.O};

    private final engine eng;
    private final stream strm;
    private final String version;

    /**
     * Spins a GOMP worker does before sleeping at a barrier or between parallel regions, unless the
     * environment sets GOMP_SPINCOUNT (or OMP_WAIT_POLICY): enough that within a run the threads catch
     * the next time step's region still spinning (a `latency` step is about 12 µs), few enough that once
     * the run returns they sleep and leave the cores to the next contender, as ONNX Runtime's pool is
     * told to. GOMP's default of 300 000 spins kept a core busy for milliseconds after each run and cost
     * every other contender; 10 000 (until round 19) still cost the vector backend's `latency` runs after
     * oneDNN's about 0.12 ms of their 0.85 (two cores spinning into its run). With 3 000 oneDNN's own
     * `latency` medians were the same or better (LSTM 1.30, 1.38 against 1.30, 1.33 ms; GRU 1.40, 1.40
     * against 1.65, 1.44), and OMP_WAIT_POLICY=passive made them 2.4× slower (benchmarks/RESULTS.md, "Round 19").
     */
    static final String SPIN_COUNT = "3000";

    /** Loads oneDNN's natives and opens a CPU engine; {@link BackendUnavailableException} if they do not load. */
    public OneDnnPeer() {
        super("onednn", "the oneDNN peer times forward inference only",
                "oneDNN's CPU RNN primitives run fp32 (and low precisions), not fp64",
                "oneDNN's RNN primitives have no per-row lengths (every row would run T steps and end in the wrong h_n)");
        if (System.getenv("OMP_WAIT_POLICY") == null) setEnvironment("GOMP_SPINCOUNT", SPIN_COUNT); // read when libgomp loads
        try {
            eng = new engine(engine.kind.cpu, 0);
            strm = new stream(eng);
            var v = dnnl_version();
            version = v.major() + "." + v.minor() + "." + v.patch();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new BackendUnavailableException("onednn: its native library does not load on this machine (" + e.getMessage()
                    + "); the preset has natives for linux-x86_64 only", e);
        }
    }

    @Override
    public String description() {
        String spin = System.getenv("OMP_WAIT_POLICY") != null ? "OMP_WAIT_POLICY=" + System.getenv("OMP_WAIT_POLICY")
                : "GOMP_SPINCOUNT=" + (System.getenv("GOMP_SPINCOUNT") != null ? System.getenv("GOMP_SPINCOUNT") : SPIN_COUNT);
        return "oneDNN " + version + " CPU engine, " + Runtime.getRuntime().availableProcessors()
                + " OpenMP threads (the runtime's default), " + spin + ", weights in the primitive's own layout";
    }

    @Override
    protected Trial openTrial(Problem p) {
        return new OneDnnTrial(p);
    }

    @Override
    public void close() {
        strm.close();
        eng.close();
    }

    /** The primitive, its weights in oneDNN's layout and the input and output memories of one case. */
    private final class OneDnnTrial implements Trial {
        private final List<Pointer> owned = new ArrayList<>();
        private final primitive prim;
        private final IntMemoryMap args = own(new IntMemoryMap());
        private final memory y, hN;
        private final int steps, batch, hidden;

        OneDnnTrial(Problem p) {
            LayerWeights w = p.weights();
            LayerSpec s = w.spec(); // the weights say which GRU: linear-before-reset or reset-before
            steps = p.steps();
            batch = p.batch();
            hidden = s.hiddenSize();
            int in = s.inputSize();
            boolean lstm = s.cell() == Cell.LSTM;
            boolean lbr = !lstm && s.linearBeforeReset();
            int gates = lstm ? 4 : 3;
            int[] order = lstm ? LSTM_FROM_TORCH : GRU_FROM_TORCH;

            memory.desc xd = desc(memory.format_tag.tnc, steps, batch, in);
            memory.desc yd = desc(memory.format_tag.tnc, steps, batch, hidden);
            memory.desc hd = desc(memory.format_tag.ldnc, 1, 1, batch, hidden);
            memory.desc wxAny = desc(memory.format_tag.any, 1, 1, in, gates, hidden);
            memory.desc whAny = desc(memory.format_tag.any, 1, 1, hidden, gates, hidden);
            memory.desc bd = desc(memory.format_tag.ldgo, 1, 1, gates + (lbr ? 1 : 0), hidden);
            memory.desc none = own(new memory.desc());
            var fwd = org.bytedeco.dnnl.global.dnnl.prop_kind.forward_inference;
            var dir = org.bytedeco.dnnl.global.dnnl.rnn_direction.unidirectional_left2right;
            rnn_primitive_desc_base pd;
            if (lstm) {
                var d = own(new lstm_forward.primitive_desc(eng, fwd, dir, xd, none, none, wxAny, whAny, bd, yd, hd, hd));
                pd = d;
                prim = own(new lstm_forward(d));
            } else if (lbr) {
                var d = own(new lbr_gru_forward.primitive_desc(eng, fwd, dir, xd, none, wxAny, whAny, bd, yd, hd));
                pd = d;
                prim = own(new lbr_gru_forward(d));
            } else {
                var d = own(new gru_forward.primitive_desc(eng, fwd, dir, xd, none, wxAny, whAny, bd, yd, hd));
                pd = d;
                prim = own(new gru_forward(d));
            }

            memory x = filled(xd, p.floatX());
            memory wx = packed(desc(memory.format_tag.ldigo, 1, 1, in, gates, hidden), own(pd.weights_layer_desc()),
                    ldigo(w.wIh(), in, gates, order));
            memory wh = packed(desc(memory.format_tag.ldigo, 1, 1, hidden, gates, hidden), own(pd.weights_iter_desc()),
                    ldigo(w.wHh(), hidden, gates, order));
            memory b = filled(bd, bias(w, gates, order, lstm, lbr));
            y = own(new memory(yd, eng));
            hN = own(new memory(hd, eng));
            args.put(DNNL_ARG_SRC_LAYER, x);
            args.put(DNNL_ARG_WEIGHTS_LAYER, wx);
            args.put(DNNL_ARG_WEIGHTS_ITER, wh);
            args.put(DNNL_ARG_BIAS, b);
            args.put(DNNL_ARG_DST_LAYER, y);
            args.put(DNNL_ARG_DST_ITER, hN);
            if (lstm) args.put(DNNL_ARG_DST_ITER_C, own(new memory(hd, eng)));
        }

        /** PyTorch [G·H, K] (gates stacked in its order) as oneDNN's plain ldigo [1, 1, K, G, H]. */
        private float[] ldigo(double[] torch, int k, int gates, int[] order) {
            float[] out = new float[k * gates * hidden];
            for (int i = 0; i < k; i++) {
                for (int g = 0; g < gates; g++) {
                    int src = order[g] * hidden;
                    for (int o = 0; o < hidden; o++) out[(i * gates + g) * hidden + o] = (float) torch[(src + o) * k + i];
                }
            }
            return out;
        }

        /**
         * oneDNN's one bias per gate: b_ih + b_hh, except that linear-before-reset keeps the candidate's
         * recurrent bias apart (a fourth row, added inside r ∘ (W_hn h + b_hn)).
         */
        private float[] bias(LayerWeights w, int gates, int[] order, boolean lstm, boolean lbr) {
            float[] out = new float[(gates + (lbr ? 1 : 0)) * hidden];
            for (int g = 0; g < gates; g++) {
                int src = order[g] * hidden;
                boolean apart = lbr && order[g] == Cell.N;
                for (int o = 0; o < hidden; o++) {
                    out[g * hidden + o] = (float) (w.bIh()[src + o] + (apart ? 0 : w.bHh()[src + o]));
                }
            }
            if (lbr) {
                for (int o = 0; o < hidden; o++) out[gates * hidden + o] = (float) w.bHh()[Cell.N * hidden + o];
            }
            return out;
        }

        private memory.desc desc(memory.format_tag tag, long... dims) {
            return own(new memory.desc(java.nio.LongBuffer.wrap(dims), memory.data_type.f32, tag));
        }

        private memory filled(memory.desc d, float[] data) {
            memory m = own(new memory(d, eng));
            FloatPointer fp = own(new FloatPointer(m.get_data_handle()));
            fp.put(data, 0, data.length);
            return m;
        }

        /** The weights in plain layout, reordered into the primitive's chosen one. */
        private memory packed(memory.desc plain, memory.desc chosen, float[] data) {
            memory user = filled(plain, data);
            memory m = own(new memory(chosen, eng));
            reorder r = own(new reorder(user, m));
            r.execute(strm, user, m);
            strm._wait();
            return m;
        }

        private float[] read(memory m, int n) {
            float[] out = new float[n];
            try (FloatPointer fp = new FloatPointer(m.get_data_handle())) {
                fp.get(out, 0, n);
            }
            return out;
        }

        private void execute() {
            prim.execute(strm, args);
            strm._wait();
        }

        @Override
        public Outputs outputs() {
            execute();
            return new Outputs(toDoubles(read(y, steps * batch * hidden)), toDoubles(read(hN, batch * hidden)));
        }

        @Override
        public void run() {
            execute();
            read(hN, batch * hidden);
        }

        @Override
        public InputGradients gradients() {
            throw new UnsupportedOperationException("the oneDNN peer times forward inference only");
        }

        @Override
        public void close() {
            for (int i = owned.size() - 1; i >= 0; i--) owned.get(i).close();
            owned.clear();
        }

        private <T extends Pointer> T own(T p) {
            owned.add(p);
            return p;
        }
    }

    /** setenv(3) without overwriting, so the C runtime (libgomp, loaded next) sees it; best effort. */
    private static void setEnvironment(String name, String value) {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            int rc = (int) setenv.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
            if (rc != 0) throw new IllegalStateException("setenv returned " + rc);
        } catch (Throwable t) {
            // without it oneDNN runs with GOMP's default spinning; the run still measures correctly
        }
    }

    private static double[] toDoubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
