package io.fusedrnn.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.Precision;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP front end on loopback: answers, every bad request, limits, queue full, timeout, metrics and shutdown. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RnnHttpServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RnnConfig CFG = RnnConfig.lstm(3, 5, 0, 2, true);
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private static ServedModel served;
    private static PreparedRnn rnn;
    private static RnnService service;
    private static RnnHttpServer server;

    @BeforeAll
    static void start() {
        served = ServedModel.start(CFG, 5, ServiceOptions.DEFAULTS.withMaxBatch(8).withMaxWait(Duration.ofMillis(3)),
                HttpOptions.DEFAULTS.at("127.0.0.1", 0).withLimits(64 * 1024, 100, Duration.ofSeconds(20)));
        rnn = served.rnn();
        service = served.service();
        server = served.server();
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    static HttpResponse<String> send(RnnHttpServer s, String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(30));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String body(float[][] x, String extra) throws IOException {
        return "{\"x\": " + JSON.writeValueAsString(x) + (extra == null ? "" : ", " + extra) + "}";
    }

    static float[][] matrix(JsonNode n) {
        float[][] m = new float[n.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new float[n.get(i).size()];
            for (int j = 0; j < m[i].length; j++) m[i][j] = n.get(i).get(j).floatValue();
        }
        return m;
    }

    @Test
    void concurrentClientsEachGetTheirOwnSequencesAnswerBitwise() throws Exception {
        int clients = 16, each = 8;
        long before = server.answered(200);
        Random r = new Random(21);
        List<RnnRequest> requests = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < clients * each; i++) {
            RnnRequest q = RnnRequest.of(ServeFixtures.matrix(r, 1 + r.nextInt(15), CFG.inputSize()));
            String extra = null;
            if (i % 4 == 1) {
                q = q.withStates(ServeFixtures.matrix(r, CFG.sweeps(), CFG.outputSize()), ServeFixtures.matrix(r, CFG.sweeps(), CFG.hiddenSize()));
                extra = "\"h0\": " + JSON.writeValueAsString(q.h0()) + ", \"c0\": " + JSON.writeValueAsString(q.c0());
            } else if (i % 4 == 2) {
                extra = "\"outputs\": [\"h_n\"]";
            }
            requests.add(q);
            bodies.add(body(q.x(), extra));
        }
        List<Future<List<HttpResponse<String>>>> perClient = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                List<String> mine = bodies.subList(c * each, (c + 1) * each);
                perClient.add(pool.submit(() -> {
                    List<HttpResponse<String>> got = new ArrayList<>();
                    for (String b : mine) got.add(send(server, "POST", "/v1/infer", b));
                    return got;
                }));
            }
        }
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (Future<List<HttpResponse<String>>> f : perClient) responses.addAll(f.get());
        assertEquals(requests.size(), responses.size());
        for (int i = 0; i < requests.size(); i++) {
            HttpResponse<String> resp = responses.get(i);
            assertEquals(200, resp.statusCode(), resp.body());
            assertEquals("application/json", resp.headers().firstValue("Content-Type").orElse(""));
            JsonNode n = JSON.readTree(resp.body());
            RnnResult want = ServeFixtures.alone(rnn, requests.get(i));
            String where = "request " + i + " T=" + requests.get(i).x().length;
            assertArrayEquals(want.hN(), matrix(n.get("h_n")), "h_n " + where);
            if (i % 4 == 2) {
                assertEquals(1, n.size(), "only h_n asked: " + resp.body());
            } else {
                assertArrayEquals(want.y(), matrix(n.get("y")), "y " + where);
                assertArrayEquals(want.cN(), matrix(n.get("c_n")), "c_n " + where);
            }
        }
        assertEquals(before + requests.size(), server.answered(200), "every request answered once");
        assertFrontEndIdle(service);
    }

    @Test
    void eachBadRequestGetsItsStatusAndOneLineNamingTheField() throws Exception {
        String ok = "[[1,2,3]]";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"x\": [[1,2,3]", "400 body: expected valid JSON, found Unexpected end-of-input: expected close marker for Array at line 1, column 15");
        cases.put("[1]", "400 body: expected a JSON object, found an array");
        cases.put("", "400 body: expected a JSON object, found the end of the body");
        cases.put("{}", "400 x: expected [T][3] numbers, found no field \"x\"");
        cases.put("{\"x\": \"abc\"}", "400 x: expected an array [T][3] numbers, found a string");
        cases.put("{\"x\": []}", "400 x: expected [T][3] numbers, found an empty array");
        cases.put("{\"x\": [[1,2,3],[1,2]]}", "400 x[1]: expected 3 numbers (I), found 2");
        cases.put("{\"x\": [[1,2,3,4]]}", "400 x[0]: expected 3 numbers (I), found 4");
        cases.put("{\"x\": [1,2,3]}", "400 x[0]: expected an array of 3 numbers (I), found the number 1");
        cases.put("{\"x\": [[1,\"2\",3]]}", "400 x[0][1]: expected a number, found a string");
        cases.put("{\"x\": " + ok + ", \"h0\": [[1,2,3,4,5]]}", "400 h0: expected 4 rows (L·D), found 1");
        cases.put("{\"x\": " + ok + ", \"c0\": [[1],[1],[1],[1]]}", "400 c0[0]: expected 5 numbers (H), found 1");
        cases.put("{\"x\": " + ok + ", \"outputs\": [\"h\"]}", "400 outputs: expected one of \"y\", \"h_n\", \"c_n\", found \"h\"");
        cases.put("{\"x\": " + ok + ", \"outputs\": []}", "400 outputs: expected at least one of \"y\", \"h_n\", \"c_n\", found none");
        cases.put("{\"x\": " + ok + ", \"outputs\": \"y\"}", "400 outputs: expected an array of names (\"y\", \"h_n\", \"c_n\"), found a string");
        cases.put("{\"x\": " + ok + ", \"z\": 1}", "400 body: expected fields x, h0, c0, outputs, found \"z\"");
        cases.put("{\"x\": " + ok + "} {}", "400 body: expected one JSON object, found more after it");
        cases.put("{\"x\": [" + "[1,2,3],".repeat(100) + "[1,2,3]]}", "413 x: expected at most 100 steps (the server's limit), found more");
        cases.put("{\"x\": [[" + "1,".repeat(40_000) + "1]]}", "413 body: expected at most 65536 bytes (the server's limit), found 80012");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> resp = send(server, "POST", "/v1/infer", c.getKey());
            String got = resp.statusCode() + " " + JSON.readTree(resp.body()).get("error").asText();
            assertTrue(got.startsWith(c.getValue()), "body " + abbreviate(c.getKey()) + ": expected '" + c.getValue() + "', found '" + got + "'");
            assertFalse(got.contains("\n"), got);
        }
        HttpResponse<String> get = send(server, "GET", "/v1/infer", null);
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
        assertEquals("method: expected POST for /v1/infer, found GET", JSON.readTree(get.body()).get("error").asText());
        HttpResponse<String> missing = send(server, "POST", "/v2/infer", "{}");
        assertEquals(404, missing.statusCode());
        assertEquals("path: expected /v1/infer, /health or /metrics, found /v2/infer", JSON.readTree(missing.body()).get("error").asText());
        assertEquals(405, send(server, "POST", "/metrics", "{}").statusCode());
        assertFrontEndIdle(service);
    }

    /**
     * Every exchange the server counted as front-end work (RnnService#frontEndWork) was counted out
     * again: a count left above zero would make the batcher hold every later batch.
     */
    static void assertFrontEndIdle(RnnService s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // the last exchange's task may still be ending
        while (s.frontEndWork.get() != 0 && System.nanoTime() < deadline) Thread.sleep(1);
        assertEquals(0, s.frontEndWork.get(), "front-end work counted in and out");
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

    @Test
    void healthAndMetricsSpeakPrometheusText() throws Exception {
        HttpResponse<String> h = send(server, "GET", "/health", null);
        assertEquals(200, h.statusCode());
        assertEquals("ok", JSON.readTree(h.body()).get("status").asText());
        assertEquals(200, send(server, "POST", "/v1/infer", "{\"x\": [[1,2,3]]}").statusCode());
        send(server, "POST", "/v1/infer", "{\"x\": []}");
        // a handler counts itself out after its answer is written, so the client may see the answer first
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.inFlight() != 0 && System.nanoTime() < deadline) Thread.sleep(1);
        HttpResponse<String> m = send(server, "GET", "/metrics", null);
        assertEquals(200, m.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", m.headers().firstValue("Content-Type").orElse(""));
        Pattern sample = Pattern.compile("(fusedrnn_[a-z_]+)(\\{(code|le|started)=\"([^\"]+)\"\\})? (\\S+)");
        Map<String, String> types = new HashMap<>();
        Map<String, Double> values = new HashMap<>();
        double lastBucket = -1;
        String lastHistogram = "";
        for (String line : m.body().split("\n")) {
            if (line.startsWith("# HELP ")) continue;
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                assertTrue(p.length == 4 && p[3].matches("counter|gauge|histogram"), line);
                assertNull(types.put(p[2], p[3]), "one TYPE per series: " + line);
                continue;
            }
            Matcher s = sample.matcher(line);
            assertTrue(s.matches(), "sample line: " + line);
            String family = s.group(1).replaceAll("_(bucket|sum|count)$", "");
            assertTrue(types.containsKey(s.group(1)) || types.get(family).equals("histogram"), "TYPE before " + line);
            double v = Double.parseDouble(s.group(5));
            assertTrue(v >= 0, line);
            if (s.group(1).endsWith("_bucket")) {
                if (!family.equals(lastHistogram)) lastBucket = -1;
                assertTrue(v >= lastBucket, "buckets are cumulative: " + line);
                lastBucket = v;
                lastHistogram = family;
            }
            values.put(s.group(1) + (s.group(4) == null ? "" : "{" + s.group(4) + "}"), v);
        }
        for (String name : List.of("fusedrnn_http_requests_total", "fusedrnn_http_in_flight", "fusedrnn_queue_depth", "fusedrnn_requests_total",
                "fusedrnn_rejected_total", "fusedrnn_batch_size", "fusedrnn_queue_seconds", "fusedrnn_compute_seconds")) {
            assertTrue(types.containsKey(name), "series " + name);
        }
        assertTrue(values.get("fusedrnn_http_requests_total{200}") >= 1);
        assertTrue(values.get("fusedrnn_http_requests_total{400}") >= 1);
        assertEquals(1.0, values.get("fusedrnn_http_in_flight"), "the metrics request itself");
        assertEquals(values.get("fusedrnn_batch_size_count"), values.get("fusedrnn_batch_size_bucket{+Inf}"));
        assertEquals(values.get("fusedrnn_requests_total"), values.get("fusedrnn_queue_seconds_count"));
        double batches = 0;
        for (String why : List.of("full", "max_wait", "front_end_idle", "hold_limit")) batches += values.get("fusedrnn_batches_total{" + why + "}");
        assertTrue(batches >= 1 && batches <= values.get("fusedrnn_sweeps_total"), "each batch counted once, by why it started: " + m.body());
    }

    @Test
    void aFullQueueIs503WithRetryAfterAndALateAnswerIs504() throws Exception {
        RnnConfig big = RnnConfig.lstm(64, 128, 0, 1, false);
        try (Backend be = Backends.open("reference"); PreparedRnn slowModel = RnnModel.random(big, 9).prepare(be, Precision.FP32)) {
            // whole-sequence batching: the slow request keeps the one batch slot to its end (with segments it would leave once late)
            RnnService s = new RnnService(slowModel, new ServiceOptions(1, Duration.ZERO, 1, 8).withSegmentSteps(0));
            RnnHttpServer h = RnnHttpServer.start(s, HttpOptions.DEFAULTS.at("127.0.0.1", 0).withLimits(8 << 20, 5000, Duration.ofMillis(100)));
            try {
                Random r = new Random(8);
                String slow = body(ServeFixtures.matrix(r, 4000, 64), "\"outputs\": [\"h_n\"]"); // about 1 s on the reference backend (0.8 GFLOP), far over the 100 ms limit
                String quick = body(ServeFixtures.matrix(r, 1, 64), null);
                CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> call(h, slow));
                while (s.stats().counts().accepted() == 0) Thread.sleep(1);
                List<CompletableFuture<HttpResponse<String>>> more = new ArrayList<>();
                for (int i = 0; i < 4; i++) more.add(CompletableFuture.supplyAsync(() -> call(h, quick)));
                int full = 0, late = 0;
                for (CompletableFuture<HttpResponse<String>> f : more) {
                    HttpResponse<String> resp = f.get(30, TimeUnit.SECONDS);
                    String error = JSON.readTree(resp.body()).path("error").asText();
                    if (resp.statusCode() == 503) {
                        full++;
                        assertEquals("1", resp.headers().firstValue("Retry-After").orElse(""));
                        assertEquals("queue: expected fewer than 1 waiting requests, found 1 (full; retry later)", error);
                    } else {
                        assertEquals(504, resp.statusCode(), resp.body());
                        assertEquals("request: expected an answer within 100 ms, found none (timed out)", error);
                        late++;
                    }
                }
                assertTrue(full >= 2 && late >= 1, full + " full, " + late + " late");
                int slowStatus = first.get(30, TimeUnit.SECONDS).statusCode();
                assertTrue(slowStatus == 200 || slowStatus == 504, "the slow one: " + slowStatus);
            } finally {
                h.close();
                s.close();
            }
            assertEquals(s.stats().counts().accepted(), s.stats().counts().answered() + s.stats().counts().timedOut(), "every accepted request is counted once");
            assertTrue(s.stats().counts().timedOut() >= 1, "504s are counted as timed out");
        }
    }

    private static HttpResponse<String> call(RnnHttpServer h, String body) {
        try {
            return send(h, "POST", "/v1/infer", body);
        } catch (IOException | InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void stopAnswersRequestsInFlightThenRefusesConnections() throws Exception {
        RnnConfig big = RnnConfig.lstm(64, 128, 0, 1, false);
        try (Backend be = Backends.open("reference"); PreparedRnn slowModel = RnnModel.random(big, 9).prepare(be, Precision.FP32)) {
            RnnService s = new RnnService(slowModel, ServiceOptions.DEFAULTS);
            RnnHttpServer h = RnnHttpServer.start(s, HttpOptions.DEFAULTS.at("127.0.0.1", 0).withLimits(8 << 20, 5000, Duration.ofSeconds(20)));
            String slow = body(ServeFixtures.matrix(new Random(3), 1500, 64), "\"outputs\": [\"h_n\"]");
            CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> call(h, slow));
            while (s.stats().counts().accepted() == 0) Thread.sleep(1);
            long t0 = System.nanoTime();
            h.stop(Duration.ofSeconds(20));
            s.close();
            assertEquals(200, inFlight.get(30, TimeUnit.SECONDS).statusCode(), "the request in flight is answered");
            assertTrue(System.nanoTime() - t0 < 15e9, "stop returns once in-flight work is done, not after the whole grace");
            assertThrows(IOException.class, () -> send(h, "GET", "/health", null));
        }
    }
}
