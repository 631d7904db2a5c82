package io.fusedrnn.benchmarks.serve;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.Precision;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;
import io.fusedrnn.serve.Output;
import io.fusedrnn.serve.RnnRequest;
import io.fusedrnn.serve.RnnService;
import io.fusedrnn.serve.ServiceOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load on {@link RnnService} in process: requests arrive at random (Poisson) times at a fixed
 * rate, whether or not earlier ones were answered, as a service's users send them; each request's
 * latency counts from its scheduled arrival to its answer. The closed loop of {@link ServeBenchmark}
 * lets its clients send only after an answer, which lines arrivals up behind batches; this does not.
 * Same model and lengths as ServeBenchmark (LSTM I=64 H=256, T uniform in 20..80, h_n only).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * io.fusedrnn.benchmarks.serve.OpenLoop [rates=1000,3000] [segment=0,16] [seconds=4] [rounds=3] [wait=MS]};
 * the settings alternate within each round.
 */
public final class OpenLoop {
    private static final int I = 64, H = 256, T_MIN = 20, T_MAX = 80, POOL = 512;

    private OpenLoop() {
    }

    /**
     * Runs the load (arguments above) and prints one line per run and the medians.
     *
     * @param args rates=, segment=, seconds=, rounds=
     * @throws Exception when a run fails
     */
    public static void main(String[] args) throws Exception {
        int[] rates = {1000, 3000}, segments = {0, 16};
        double waitMs = ServiceOptions.DEFAULTS.maxWait().toNanos() / 1e6;
        double seconds = 4;
        int rounds = 3;
        for (String a : args) {
            if (a.startsWith("rates=")) rates = Arrays.stream(a.substring(6).split(",")).mapToInt(Integer::parseInt).toArray();
            else if (a.startsWith("segment=")) segments = Arrays.stream(a.substring(8).split(",")).mapToInt(Integer::parseInt).toArray();
            else if (a.startsWith("seconds=")) seconds = Double.parseDouble(a.substring(8));
            else if (a.startsWith("rounds=")) rounds = Integer.parseInt(a.substring(7));
            else if (a.startsWith("wait=")) waitMs = Double.parseDouble(a.substring(5));
            else throw new IllegalArgumentException("argument: expected rates=, segment=, seconds=, rounds=, wait=; found " + a);
        }
        Random r = new Random(7);
        float[][][] xs = new float[POOL][][];
        for (int k = 0; k < POOL; k++) {
            xs[k] = new float[T_MIN + r.nextInt(T_MAX - T_MIN + 1)][I];
            for (float[] row : xs[k]) for (int i = 0; i < I; i++) row[i] = (float) r.nextGaussian();
        }
        try (Backend be = Backends.open("vector"); PreparedRnn rnn = RnnModel.random(RnnConfig.lstm(I, H, 0, 1, false), 42).prepare(be, Precision.FP32)) {
            System.out.println("| rate req/s | segment | done req/s | p50 ms | p99 ms | mean ms | rows/sweep |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
            for (int rate : rates) {
                for (int seg : segments) run(rnn, xs, rate, seg, waitMs, 1.0, new Random(1)); // warm-up
                List<List<double[]>> results = new ArrayList<>();
                for (int s = 0; s < segments.length; s++) results.add(new ArrayList<>());
                for (int round = 0; round < rounds; round++) {
                    for (int s = 0; s < segments.length; s++) results.get(s).add(run(rnn, xs, rate, segments[s], waitMs, seconds, new Random(round)));
                }
                for (int s = 0; s < segments.length; s++) {
                    double[] med = new double[5];
                    for (int j = 0; j < 5; j++) {
                        final int jj = j;
                        double[] v = results.get(s).stream().mapToDouble(x -> x[jj]).sorted().toArray();
                        med[j] = v[v.length / 2];
                    }
                    System.out.printf(Locale.ROOT, "| %d | %d | %.0f | %.2f | %.2f | %.2f | %.1f |%n", rate, segments[s], med[0], med[1], med[2], med[3], med[4]);
                }
            }
        }
    }

    /** One run: {done per second, p50, p99, mean (ms), rows per sweep}. */
    private static double[] run(PreparedRnn rnn, float[][][] xs, int rate, int segment, double waitMs, double seconds, Random r) throws Exception {
        ServiceOptions opts = ServiceOptions.DEFAULTS.withSegmentSteps(segment).withMaxWait(java.time.Duration.ofNanos((long) (waitMs * 1e6)));
        int n = (int) (rate * seconds);
        long[] arrival = new long[n], done = new long[n];
        List<CompletableFuture<?>> fs = new ArrayList<>(n);
        try (RnnService service = new RnnService(rnn, opts)) {
            long t0 = System.nanoTime() + 1_000_000, t = t0;
            for (int k = 0; k < n; k++) {
                t += (long) (-Math.log(1 - r.nextDouble()) / rate * 1e9);
                arrival[k] = t;
                for (long now; (now = System.nanoTime()) < t; ) LockSupport.parkNanos(Math.min(t - now, 200_000));
                final int kk = k;
                fs.add(service.submit(RnnRequest.of(xs[r.nextInt(POOL)]).withOutputs(Output.H_N)).thenRun(() -> done[kk] = System.nanoTime()));
            }
            for (CompletableFuture<?> f : fs) f.join();
            double span = (Arrays.stream(done).max().orElse(t0) - t0) * 1e-9;
            double[] lat = new double[n];
            for (int k = 0; k < n; k++) lat[k] = (done[k] - arrival[k]) * 1e-6;
            Arrays.sort(lat);
            double mean = Arrays.stream(lat).average().orElse(0);
            double rows = service.stats().batchRows().sum() / Math.max(1, service.stats().counts().sweeps());
            double[] out = {n / span, lat[n / 2], lat[(int) (n * 0.99)], mean, rows};
            System.err.printf(Locale.ROOT, "rate %d segment %d: %.0f/s p50 %.2f p99 %.2f mean %.2f rows %.1f%n", rate, segment, out[0], out[1], out[2], out[3], out[4]);
            return out;
        }
    }
}
