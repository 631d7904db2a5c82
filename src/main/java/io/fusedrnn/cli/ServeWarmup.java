package io.fusedrnn.cli;

import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.serve.HttpOptions;
import io.fusedrnn.serve.Output;
import io.fusedrnn.serve.RnnHttpServer;
import io.fusedrnn.serve.RnnRequest;
import io.fusedrnn.serve.RnnResult;
import io.fusedrnn.serve.RnnService;
import io.fusedrnn.serve.ServiceOptions;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * {@code serve}'s warm-up before it listens: requests as clients send them, over loopback HTTP to a
 * server and service of their own on the same prepared model (so the real one's counters start at
 * zero and nobody can reach it half warm), in rounds of one request alone over HTTP and a full batch in
 * process, until the rounds' times stop falling ({@link Warmup}) or the time is up. Every path a request takes is then
 * compiled: the HTTP server, the body's scanner, the batcher, the sweeps at one row and at a full batch
 * (segments, ragged lengths), the answer's JSON. Interpreted Vector API code is hundreds of times slower
 * than compiled code (the bits are the same: README, "Determinism").
 */
final class ServeWarmup {
    /**
     * Requests in the batch part of a round: a full batch, at most this many (enough for the sweeps'
     * split by row groups, which takes 8 rows per group and 4 groups on 2 workers).
     */
    private static final int MOST_IN_BATCH = 32;

    private ServeWarmup() {
    }

    /**
     * Warms the paths that requests for {@code model} take under {@code service} and {@code http}'s
     * limits, for at most {@code limitMillis}.
     *
     * @return the rounds run
     */
    static int run(PreparedRnn model, ServiceOptions service, HttpOptions http, long limitMillis) {
        RnnConfig cfg = model.config();
        // long enough for a row to run through a few segments; within the step and body limits
        int wanted = Math.min(http.maxSteps(), service.segmentSteps() > 0 ? 2 * service.segmentSteps() + 1 : 33);
        int steps = (int) Math.max(1, Math.min(wanted, http.maxBodyBytes() / (16L * cfg.inputSize() + 8)));
        int rows = Math.min(service.maxBatch(), MOST_IN_BATCH);
        try (RnnService s = new RnnService(model, service);
             Stopped server = new Stopped(RnnHttpServer.start(s, http.at("127.0.0.1", 0)));
             HttpClient client = HttpClient.newHttpClient()) {
            URI infer = URI.create(server.http().url() + "/v1/infer");
            long start = System.nanoTime();
            // First rounds of 1, 2, 4, ... steps: until C2 has compiled the kernels a sweep runs hundreds of
            // times slower, and a cold round at full length took 1.7-11 s here where these take under one.
            // The ramp goes on while its rounds take under a quarter of the limit: a large model on the scalar
            // reference backend takes seconds per round, and a full round is at most about twice the last
            // one, so the warm-up ends within one and a half times the limit.
            long limit = limitMillis * 1_000_000, last = 0;
            int ramp = 0;
            for (int t = 1; t < steps && System.nanoTime() - start < limit && 4 * last < limit; t *= 2, ramp++) {
                long t0 = System.nanoTime();
                round(s, client, infer, t, rows, ramp);
                last = System.nanoTime() - t0;
            }
            long left = limit - (System.nanoTime() - start);
            if (left <= 0 || 4 * last >= limit) return ramp;
            int[] k = {ramp};
            int full = Warmup.jvm().warm(() -> round(s, client, infer, steps, rows, k[0]++), left / 1_000_000, 0);
            return ramp + full; // the client's and the server's own code keep the JIT busy for seconds: the times decide
        }
    }

    /**
     * One request over HTTP, as a client sends it (the server, the body's scanner, the answer's JSON, a lone
     * row's sweep), and a batch of {@code rows} requests of {@code steps / 2 .. steps} steps in process (the
     * batched sweeps, segments and ragged lengths; cheaper than over HTTP). Values from round {@code k}'s seed.
     */
    private static void round(RnnService s, HttpClient client, URI infer, int steps, int rows, int k) {
        RnnConfig cfg = s.config();
        boolean lstm = cfg.cell().gates() == 4;
        Random r = new Random(k);
        check(send(client, infer, body(r, steps, cfg.inputSize(), lstm ? "[\"y\",\"h_n\",\"c_n\"]" : "[\"y\",\"h_n\"]")).join());
        List<CompletableFuture<RnnResult>> answers = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            float[][] x = new float[Math.max(1, steps / 2 + r.nextInt(steps / 2 + 1))][cfg.inputSize()];
            for (float[] row : x) for (int j = 0; j < row.length; j++) row[j] = 2 * r.nextFloat() - 1;
            answers.add(s.submit(new RnnRequest(x, null, null, lstm ? EnumSet.of(Output.H_N, Output.C_N) : EnumSet.of(Output.H_N), null)));
        }
        for (CompletableFuture<RnnResult> a : answers) a.join();
    }

    /**
     * The warm-up's server, stopped at once when done: every request has been answered, and a stop with
     * the usual grace waited out its whole 10 s in 2 of 5 runs here (for the client's idle connection).
     */
    private record Stopped(RnnHttpServer http) implements AutoCloseable {
        @Override
        public void close() {
            http.stop(Duration.ZERO);
        }
    }

    private static CompletableFuture<HttpResponse<String>> send(HttpClient client, URI uri, String body) {
        return client.sendAsync(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void check(HttpResponse<String> r) {
        if (r.statusCode() != 200) { // not the user's input: the warm-up writes its own requests
            throw new IllegalStateException("warm-up: expected its request answered with 200, found " + r.statusCode() + " " + r.body());
        }
    }

    /** A request of {@code steps} rows of {@code width} values in [-1, 1), asking for {@code outputs}. */
    private static String body(Random r, int steps, int width, String outputs) {
        StringBuilder b = new StringBuilder(steps * width * 12 + 64).append("{\"x\":[");
        for (int t = 0; t < steps; t++) {
            b.append(t == 0 ? "[" : ",[");
            for (int i = 0; i < width; i++) b.append(i == 0 ? "" : ",").append(2 * r.nextFloat() - 1);
            b.append(']');
        }
        return b.append("],\"outputs\":").append(outputs).append('}').toString();
    }
}
