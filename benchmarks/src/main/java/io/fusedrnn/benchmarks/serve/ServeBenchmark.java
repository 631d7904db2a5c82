package io.fusedrnn.benchmarks.serve;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;
import io.fusedrnn.model.RnnOutput;
import io.fusedrnn.serve.HttpOptions;
import io.fusedrnn.serve.Output;
import io.fusedrnn.serve.RnnHttpServer;
import io.fusedrnn.serve.RnnRequest;
import io.fusedrnn.serve.RnnService;
import io.fusedrnn.serve.ServiceOptions;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closed-loop load on {@link RnnService} and {@code serve}'s HTTP API: C clients each send one
 * request, wait for the answer, send the next (LSTM I=64, H=256, T uniform in 20..80, h_n only),
 * for C = 1, 8, 64, in-process and over loopback HTTP, beside the kernel bound (a B=64 sweep's
 * GFLOP/s over a B=1 sweep's). The clients run in this JVM, on the same cores as the server.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp … io.fusedrnn.benchmarks.serve.ServeBenchmark [seconds] [rounds] [backend]}
 */
public final class ServeBenchmark {
    private static final int I = 64, H = 256, T_MIN = 20, T_MAX = 80, POOL = 512;
    private static final long WARM_UP_MS = 1000;
    private static final String DEFAULT_POLICY = "defaults (sweep cost " + ServiceOptions.DEFAULTS.sweepCost() + ")";

    private ServeBenchmark() {
    }

    /** One measured configuration's outcome. */
    record Row(String mode, int clients, String policy, double perSecond, double perCpuSecond, double p50, double p99, long n) {
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** CPU time this process has used, all threads (on a shared machine: the work done, whatever the share of the cores we got). */
    private static double cpuSeconds() {
        return OS.getProcessCpuTime() * 1e-9;
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 4;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        String backendName = args.length > 2 ? args[2] : "vector";
        String only = args.length > 3 ? args[3] : ""; // e.g. "http" runs only the HTTP rows
        RnnModel model = RnnModel.random(RnnConfig.lstm(I, H, 0, 1, false), 42);
        Random r = new Random(7);
        float[][][] xs = new float[POOL][][];
        String[] bodies = new String[POOL];
        for (int k = 0; k < POOL; k++) {
            int t = T_MIN + r.nextInt(T_MAX - T_MIN + 1);
            xs[k] = new float[t][I];
            StringBuilder b = new StringBuilder(t * I * 12).append("{\"outputs\":[\"h_n\"],\"x\":[");
            for (int s = 0; s < t; s++) {
                b.append(s == 0 ? "[" : ",[");
                for (int i = 0; i < I; i++) {
                    xs[k][s][i] = (float) r.nextGaussian();
                    b.append(i == 0 ? "" : ",").append(xs[k][s][i]);
                }
                b.append(']');
            }
            bodies[k] = b.append("]}").toString();
        }
        try (Backend be = Backends.open(backendName); PreparedRnn rnn = model.prepare(be, Precision.FP32)) {
            System.err.println("serve benchmark: " + model.config().describe() + " on " + be.name() + " (" + be.description() + "), "
                    + Runtime.getRuntime().availableProcessors() + " cpus, " + seconds + " s per run, " + rounds + " rounds");
            kernelBound(be, rnn);
            List<Row> rows = new ArrayList<>();
            int[] clientCounts = {1, 8, 64};
            for (int round = 0; round < rounds; round++) {
                for (int c : clientCounts) {
                    if (!only.equals("http")) rows.add(inProcess(rnn, xs, c, seconds, ServiceOptions.DEFAULTS, DEFAULT_POLICY));
                    if (!only.equals("in-process")) rows.add(http(rnn, bodies, c, seconds));
                }
                if (!only.isEmpty()) continue;
                // the batching policies beside the default, at 64 clients
                rows.add(inProcess(rnn, xs, 64, seconds, ServiceOptions.DEFAULTS.withSweepCost(Integer.MAX_VALUE), "one padded sweep"));
                rows.add(inProcess(rnn, xs, 64, seconds, ServiceOptions.DEFAULTS.withSweepCost(0), "sweep cost 0"));
                rows.add(inProcess(rnn, xs, 64, seconds, ServiceOptions.DEFAULTS.withSweepCost(8), "sweep cost 8"));
                rows.add(inProcess(rnn, xs, 64, seconds, ServiceOptions.DEFAULTS.withMaxBatch(16), "max batch 16"));
            }
            System.out.println("| mode | clients | policy | req/s, median (each round) | req per CPU-s, median | p50 ms | p99 ms | requests |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            List<String> seen = new ArrayList<>();
            for (Row row : rows) {
                String key = row.mode + row.clients + row.policy;
                if (seen.contains(key)) continue;
                seen.add(key);
                List<Row> same = rows.stream().filter(x -> (x.mode + x.clients + x.policy).equals(key)).toList();
                System.out.printf(Locale.ROOT, "| %s | %d | %s | %.1f (%s) | %.1f | %.2f | %.2f | %d |%n", row.mode, row.clients, row.policy,
                        median(same.stream().mapToDouble(Row::perSecond).toArray()),
                        String.join(", ", same.stream().map(x -> String.format(Locale.ROOT, "%.0f", x.perSecond)).toList()),
                        median(same.stream().mapToDouble(Row::perCpuSecond).toArray()),
                        median(same.stream().mapToDouble(Row::p50).toArray()), median(same.stream().mapToDouble(Row::p99).toArray()),
                        same.stream().mapToLong(Row::n).sum());
            }
        }
    }

    /** The batched sweep's GFLOP/s over the B=1 sweep's, T = 50 (the mean length), best of several runs each, interleaved. */
    private static void kernelBound(Backend be, PreparedRnn rnn) {
        int t = 50;
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        int[] batches = {1, 16, 64};
        double[] cpu = new double[3];
        int[] runs = new int[3];
        for (int rep = 0; rep < 40; rep++) {
            for (int k = 0; k < batches.length; k++) {
                int b = batches[k];
                if (b > 1 && rep % 4 != 0) continue;
                long t0 = System.nanoTime();
                double c0 = cpuSeconds();
                try (Tensor x = be.allocate(Precision.FP32, t, b, I); RnnOutput o = rnn.forward(x, null, null, null)) {
                    o.hN().toFloatArray();
                }
                best[k] = Math.min(best[k], (System.nanoTime() - t0) * 1e-9);
                cpu[k] += cpuSeconds() - c0;
                runs[k]++;
            }
        }
        for (int k = 0; k < batches.length; k++) {
            double flops = 8.0 * t * batches[k] * H * (I + H);
            System.out.printf(Locale.ROOT, "kernel: B=%d T=%d best %.3f ms, %.1f GFLOP/s, %.0f sequences/s; mean %.3f CPU-ms per sweep, %.0f sequences per CPU-s%n",
                    batches[k], t, best[k] * 1e3, flops / best[k] * 1e-9, batches[k] / best[k], cpu[k] / runs[k] * 1e3, batches[k] * runs[k] / cpu[k]);
        }
        System.out.printf(Locale.ROOT, "kernel bound (B=64 over B=1 at T=50): %.2fx by best wall time, %.2fx by CPU time%n",
                (64 / best[2]) / (1 / best[0]), (64.0 * runs[2] / cpu[2]) / (runs[0] / cpu[0]));
    }

    private static Row inProcess(PreparedRnn rnn, float[][][] xs, int clients, double seconds, ServiceOptions opts, String policy) throws Exception {
        try (RnnService service = new RnnService(rnn, opts)) {
            return load("in-process", policy, clients, seconds, (client, k) -> {
                service.submit(RnnRequest.of(xs[k % xs.length]).withOutputs(Output.H_N)).get();
            });
        }
    }

    private static Row http(PreparedRnn rnn, String[] bodies, int clients, double seconds) throws Exception {
        try (RnnService service = new RnnService(rnn, ServiceOptions.DEFAULTS);
             RnnHttpServer server = RnnHttpServer.start(service, HttpOptions.DEFAULTS.at("127.0.0.1", 0));
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            URI uri = URI.create(server.url() + "/v1/infer");
            return load("http", DEFAULT_POLICY, clients, seconds, (c, k) -> {
                HttpResponse<String> resp = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(bodies[k % bodies.length])).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() != 200) throw new IllegalStateException("HTTP " + resp.statusCode() + ": " + resp.body());
            });
        }
    }

    /** What one client does per request. */
    interface Call {
        void run(int client, int k) throws Exception;
    }

    /** Closed loop: warm-up for a second, then {@code seconds} of measured requests per client; latency per request. */
    private static Row load(String mode, String policy, int clients, double seconds, Call call) throws Exception {
        AtomicBoolean measuring = new AtomicBoolean(false), stop = new AtomicBoolean(false);
        List<Future<long[]>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    long[] lat = new long[1 << 16];
                    int n = 0, k = client * 7919;
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        call.run(client, k++);
                        long dt = System.nanoTime() - t0;
                        if (measuring.get() && n < lat.length) lat[n++] = dt;
                    }
                    return Arrays.copyOf(lat, n);
                }));
            }
            Thread.sleep(WARM_UP_MS); // JIT, connections, the batcher's steady state
            measuring.set(true);
            long start = System.nanoTime();
            double cpu0 = cpuSeconds();
            Thread.sleep((long) (seconds * 1000));
            measuring.set(false);
            double elapsed = (System.nanoTime() - start) * 1e-9, cpu = cpuSeconds() - cpu0;
            stop.set(true);
            List<Long> all = new ArrayList<>();
            for (Future<long[]> f : results) for (long v : f.get()) all.add(v);
            long[] lat = all.stream().mapToLong(Long::longValue).sorted().toArray();
            Row row = new Row(mode, clients, policy, lat.length / elapsed, lat.length / cpu, pct(lat, 0.5), pct(lat, 0.99), lat.length);
            System.err.printf(Locale.ROOT, "%s clients=%d %s: %.1f req/s, %.1f req per CPU-s, p50 %.2f ms, p99 %.2f ms (%d)%n", mode, clients, policy,
                    row.perSecond, row.perCpuSecond, row.p50, row.p99, row.n);
            return row;
        }
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] * 1e-6;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
