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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Closed-loop load on {@link RnnService} and {@code serve}'s HTTP API: C clients each send one
 * request, wait for the answer, send the next (LSTM I=64, H=256, T uniform in 20..80, h_n only),
 * in-process and over loopback HTTP, beside the kernel bound (a B=64 sweep's GFLOP/s over a B=1
 * sweep's), then the ratios the serving targets name: 64 clients' throughput over one client's and
 * the 64-client p99 over the single-client p50. The clients run in this JVM, on the same cores as the
 * server. HTTP load comes from a wrk-like raw-socket generator ({@code http}) and, with
 * {@code httpclient}, also from {@code java.net.http.HttpClient} ({@code http-jdkclient}).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * io.fusedrnn.benchmarks.serve.ServeBenchmark [short] [seconds=S] [warmup=S] [rounds=R] [backend=B] [threads=N]
 * [only=in-process|http] [clients=1,8,64] [policies] [httpclient] [hold=MS,…] [segment=K,…] [all-outputs]}; {@code short} is 2 s per run,
 * 3 rounds, 1 and 64 clients, in-process and raw HTTP, about a minute; {@code hold=0} adds, beside each
 * HTTP row, one with that {@link ServiceOptions#maxHold} (an A/B of the hold in one run), and {@code segment=0,32}
 * beside each row one per {@link ServiceOptions#segmentSteps} (0: whole sequences per batch); {@code all-outputs}
 * sends HTTP requests without {@code outputs}, so each answer carries y, h_n and c_n. The vector backend
 * runs on every core in process and on {@code serve}'s default over HTTP ({@link HttpOptions#backendThreads},
 * half the cores); {@code threads=N} puts both on N workers. Old form:
 * {@code [seconds] [rounds] [backend]}.
 */
public final class ServeBenchmark {
    private static final int I = 64, H = 256, T_MIN = 20, T_MAX = 80, POOL = 512;
    private static final String DEFAULT_POLICY = "defaults";

    private ServeBenchmark() {
    }

    /**
     * Runs the benchmark (arguments above) and prints a Markdown table and the target ratios on stdout.
     *
     * @param args options, see the class comment
     * @throws Exception when a run fails
     */
    public static void main(String[] args) throws Exception {
        double seconds = 3, warmUp = 1;
        int rounds = 3;
        String backendName = "vector", only = "";
        int threads = -1; // the vector backend's workers for both modes; unset: its default in process, serve's over HTTP
        int[] clientCounts = {1, 8, 64};
        boolean policies = true, httpClient = true;
        List<Double> holds = new ArrayList<>(); // extra HTTP rows with another max hold (ms), for A/B runs
        List<Integer> segments = new ArrayList<>(); // extra rows with another segment length (steps; 0: whole sequences), for A/B runs
        boolean allOutputs = false; // all-outputs: requests without "outputs", answered with y, h_n and c_n (HTTP only; in process always h_n)
        int positional = 0;
        for (String a : args) {
            if (a.equals("short")) {
                seconds = 2;
                clientCounts = new int[] {1, 64};
                policies = false;
                httpClient = false;
            } else if (a.equals("policies")) policies = true;
            else if (a.equals("httpclient")) httpClient = true;
            else if (a.startsWith("hold=")) for (String h : a.substring(5).split(",")) holds.add(Double.parseDouble(h));
            else if (a.startsWith("segment=")) for (String k : a.substring(8).split(",")) segments.add(Integer.parseInt(k));
            else if (a.equals("all-outputs")) allOutputs = true;
            else if (a.startsWith("warmup=")) warmUp = Double.parseDouble(a.substring(7));
            else if (a.startsWith("seconds=")) seconds = Double.parseDouble(a.substring(8));
            else if (a.startsWith("rounds=")) rounds = Integer.parseInt(a.substring(7));
            else if (a.startsWith("backend=")) backendName = a.substring(8);
            else if (a.startsWith("only=")) only = a.substring(5);
            else if (a.startsWith("threads=")) threads = Integer.parseInt(a.substring(8));
            else if (a.startsWith("clients=")) clientCounts = Arrays.stream(a.substring(8).split(",")).mapToInt(Integer::parseInt).toArray();
            else if (positional == 0 && a.matches("[0-9.]+")) { seconds = Double.parseDouble(a); positional++; }
            else if (positional == 1 && a.matches("[0-9]+")) { rounds = Integer.parseInt(a); positional++; }
            else if (positional == 2) { backendName = a; positional++; }
            else throw new IllegalArgumentException("argument: expected short, policies, httpclient, hold=, segment=, seconds=, warmup=, rounds=, backend=, threads=, only=, clients=; found " + a);
        }
        RnnModel model = RnnModel.random(RnnConfig.lstm(I, H, 0, 1, false), 42);
        Random r = new Random(7);
        float[][][] xs = new float[POOL][][];
        String[] bodies = new String[POOL];
        for (int k = 0; k < POOL; k++) {
            int t = T_MIN + r.nextInt(T_MAX - T_MIN + 1);
            xs[k] = new float[t][I];
            StringBuilder b = new StringBuilder(t * I * 12).append(allOutputs ? "{\"x\":[" : "{\"outputs\":[\"h_n\"],\"x\":[");
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
        // the raw clients' request bytes, made once: made per run, their 18 MB were young garbage that the
        // first GC of the measured window copied (pauses of 50-120 ms, the harness's, not the server's)
        byte[][] requests = new byte[POOL][];
        for (int k = 0; k < POOL; k++) requests[k] = RawHttpClient.request("127.0.0.1", "/v1/infer", bodies[k]);
        int cpus = Runtime.getRuntime().availableProcessors();
        // over HTTP the backend has serve's default workers (half the cores), in process its own (every core)
        try (Backend be = Backends.open(backendName, Math.max(0, threads)); PreparedRnn rnn = model.prepare(be, Precision.FP32);
             Backend beHttp = Backends.open(backendName, threads >= 0 ? threads : HttpOptions.backendThreads(cpus));
             PreparedRnn rnnHttp = model.prepare(beHttp, Precision.FP32)) {
            System.err.println("serve benchmark: " + model.config().describe() + " on " + be.name() + " (in process: " + be.description()
                    + "; over HTTP: " + beHttp.description() + "), " + cpus + " cpus, " + seconds + " s per run after " + warmUp + " s warm-up, "
                    + rounds + " rounds, defaults " + ServiceOptions.DEFAULTS);
            kernelBound(be, rnn, policies ? 40 : 12);
            List<ClosedLoop.Row> rows = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (int c : clientCounts) {
                    if (!only.equals("http")) {
                        rows.add(inProcess(rnn, xs, c, warmUp, seconds, ServiceOptions.DEFAULTS, DEFAULT_POLICY));
                        for (int k : segments) rows.add(inProcess(rnn, xs, c, warmUp, seconds, ServiceOptions.DEFAULTS.withSegmentSteps(k), "segment " + k));
                    }
                    if (!only.equals("in-process")) {
                        rows.add(http(rnnHttp, requests, c, warmUp, seconds, ServiceOptions.DEFAULTS, DEFAULT_POLICY));
                        for (int k : segments) rows.add(http(rnnHttp, requests, c, warmUp, seconds, ServiceOptions.DEFAULTS.withSegmentSteps(k), "segment " + k));
                        for (double h : holds) {
                            rows.add(http(rnnHttp, requests, c, warmUp, seconds, ServiceOptions.DEFAULTS.withMaxHold(Duration.ofNanos((long) (h * 1e6))),
                                    String.format(Locale.ROOT, "max hold %.0f ms", h)));
                        }
                        if (httpClient) rows.add(httpJdkClient(rnnHttp, bodies, c, warmUp, seconds));
                    }
                }
                if (!policies || only.equals("http")) continue;
                // the batching policies beside the default, at 64 clients
                rows.add(inProcess(rnn, xs, 64, warmUp, seconds, ServiceOptions.DEFAULTS.withSweepCost(Integer.MAX_VALUE), "one padded sweep"));
                rows.add(inProcess(rnn, xs, 64, warmUp, seconds, ServiceOptions.DEFAULTS.withSweepCost(0), "sweep cost 0"));
                rows.add(inProcess(rnn, xs, 64, warmUp, seconds, ServiceOptions.DEFAULTS.withSweepCost(2), "sweep cost 2"));
                rows.add(inProcess(rnn, xs, 64, warmUp, seconds, ServiceOptions.DEFAULTS.withSweepCost(8), "sweep cost 8"));
                rows.add(inProcess(rnn, xs, 64, warmUp, seconds, ServiceOptions.DEFAULTS.withMaxBatch(16), "max batch 16"));
            }
            report(rows);
        }
    }

    /** Medians over the rounds per configuration, then the target ratios per mode. */
    private static void report(List<ClosedLoop.Row> rows) {
        Map<String, List<ClosedLoop.Row>> byKey = new LinkedHashMap<>();
        for (ClosedLoop.Row row : rows) byKey.computeIfAbsent(row.key(), k -> new ArrayList<>()).add(row);
        System.out.println("| mode | clients | policy | req/s, median (each round) | CPU ms/req | p50 ms | p99 ms | mean ms | queue ms | sweep ms | rows/sweep | KiB/req | GC ms/s | requests |");
        System.out.println("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Map<String, double[]> med = new LinkedHashMap<>(); // key → {req/s, p50, p99}
        for (var e : byKey.entrySet()) {
            List<ClosedLoop.Row> same = e.getValue();
            ClosedLoop.Row row = same.get(0);
            double perSecond = median(same, ClosedLoop.Row::perSecond), p50 = median(same, ClosedLoop.Row::p50), p99 = median(same, ClosedLoop.Row::p99);
            med.put(e.getKey(), new double[] {perSecond, p50, p99});
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %.0f (%s) | %.3f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.0f | %.1f | %d |%n", row.mode(), row.clients(),
                    row.policy(), perSecond, String.join(", ", same.stream().map(x -> String.format(Locale.ROOT, "%.0f", x.perSecond())).toList()),
                    median(same, ClosedLoop.Row::cpuMs), p50, p99, median(same, ClosedLoop.Row::mean), median(same, ClosedLoop.Row::queueMs),
                    median(same, ClosedLoop.Row::sweepMs), median(same, ClosedLoop.Row::rowsPerSweep), median(same, ClosedLoop.Row::allocKb),
                    median(same, ClosedLoop.Row::gcMsPerS), same.stream().mapToLong(ClosedLoop.Row::n).sum());
        }
        System.out.println();
        System.out.println("CPU-ms per request by thread, in the round of median throughput (carriers: the clients' virtual threads; "
                + "http: the server's event loops (reading, parsing, answering); batcher + vector: the sweeps; vm: GC, JIT and the rest):");
        for (List<ClosedLoop.Row> same : byKey.values()) {
            List<ClosedLoop.Row> sorted = same.stream().sorted(java.util.Comparator.comparingDouble(ClosedLoop.Row::perSecond)).toList();
            ClosedLoop.Row mid = sorted.get(sorted.size() / 2);
            System.out.printf(Locale.ROOT, "- %s, %d clients, %s: %s%n", mid.mode(), mid.clients(), mid.policy(), mid.cpuSplit());
        }
        System.out.println();
        for (String mode : List.of("in-process", "http", "http-jdkclient")) {
            double[] one = med.get(mode + "|1|" + DEFAULT_POLICY), many = med.get(mode + "|64|" + DEFAULT_POLICY);
            if (one == null || many == null) continue;
            double thr = many[0] / one[0], tail = many[2] / one[1];
            double need = mode.equals("in-process") ? 3 : 2;
            System.out.printf(Locale.ROOT, "%s: throughput 64 ÷ 1 = %.1fx (target >= %.0fx: %s); p99(64) ÷ p50(1) = %.2f ÷ %.2f = %.1fx (target < 10x: %s)%n",
                    mode, thr, need, thr >= need ? "met" : "MISSED", many[2], one[1], tail, tail < 10 ? "met" : "MISSED");
        }
    }

    private static double median(List<ClosedLoop.Row> rows, java.util.function.ToDoubleFunction<ClosedLoop.Row> f) {
        double[] s = rows.stream().mapToDouble(f).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The batched sweep's GFLOP/s over the B=1 sweep's, T = 50 (the mean length), best of several runs each, interleaved. */
    private static void kernelBound(Backend be, PreparedRnn rnn, int reps) {
        int t = 50;
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        int[] batches = {1, 16, 64};
        double[] cpu = new double[3];
        int[] runs = new int[3];
        for (int rep = 0; rep < reps; rep++) {
            for (int k = 0; k < batches.length; k++) {
                int b = batches[k];
                if (b > 1 && rep % 4 != 0) continue;
                long t0 = System.nanoTime();
                double c0 = ClosedLoop.cpuSeconds();
                try (Tensor x = be.allocate(Precision.FP32, t, b, I); RnnOutput o = rnn.forward(x, null, null, null)) {
                    o.hN().toFloatArray();
                }
                best[k] = Math.min(best[k], (System.nanoTime() - t0) * 1e-9);
                cpu[k] += ClosedLoop.cpuSeconds() - c0;
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

    private static ClosedLoop.Row inProcess(PreparedRnn rnn, float[][][] xs, int clients, double warmUp, double seconds, ServiceOptions opts, String policy)
            throws Exception {
        try (RnnService service = new RnnService(rnn, opts)) {
            return ClosedLoop.run("in-process", policy, clients, warmUp, seconds, service.stats(),
                    (client, k) -> service.submit(RnnRequest.of(xs[k % xs.length]).withOutputs(Output.H_N)).get());
        }
    }

    /** Raw-socket keep-alive clients writing pre-built request bytes. */
    private static ClosedLoop.Row http(PreparedRnn rnn, byte[][] requests, int clients, double warmUp, double seconds, ServiceOptions opts, String policy)
            throws Exception {
        try (RnnService service = new RnnService(rnn, opts);
             RnnHttpServer server = RnnHttpServer.start(service, HttpOptions.DEFAULTS.at("127.0.0.1", 0))) {
            return ClosedLoop.run("http", policy, clients, warmUp, seconds, service.stats(), c -> {
                RawHttpClient conn = new RawHttpClient(server.address());
                return new ClosedLoop.Connection() {
                    @Override
                    public void call(int k) throws Exception {
                        int code = conn.send(requests[k % requests.length]);
                        if (code != 200) throw new IllegalStateException("HTTP " + code);
                    }

                    @Override
                    public void close() throws Exception {
                        conn.close();
                    }
                };
            });
        }
    }

    /** The JDK's HttpClient as the load generator (costs several times the raw client's CPU). */
    private static ClosedLoop.Row httpJdkClient(PreparedRnn rnn, String[] bodies, int clients, double warmUp, double seconds) throws Exception {
        try (RnnService service = new RnnService(rnn, ServiceOptions.DEFAULTS);
             RnnHttpServer server = RnnHttpServer.start(service, HttpOptions.DEFAULTS.at("127.0.0.1", 0));
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            URI uri = URI.create(server.url() + "/v1/infer");
            return ClosedLoop.run("http-jdkclient", DEFAULT_POLICY, clients, warmUp, seconds, service.stats(), (c, k) -> {
                HttpResponse<String> resp = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(bodies[k % bodies.length])).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() != 200) throw new IllegalStateException("HTTP " + resp.statusCode() + ": " + resp.body());
            });
        }
    }
}
