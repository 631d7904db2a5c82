package io.fusedrnn.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusedrnn.model.RnnConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What real clients send, byte for byte, as curl, Python's urllib and http.client, and HTTP/1.0 tools
 * write it: {@code Expect: 100-continue}, chunked bodies, a charset in the Content-Type, numbers as
 * integers, exponents and -0.0 among whitespace, keep-alive, HTTP/1.0 without it, a client that
 * goes away mid-body or stalls, and a connection kept open while the server stops. Each answer is
 * compared bit for bit with the in-process service's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RnnConfig CFG = RnnConfig.lstm(4, 6, 0, 1, false);

    private static ServedModel served;

    @BeforeAll
    static void start() {
        served = ServedModel.start(CFG, 11, ServiceOptions.DEFAULTS.withMaxWait(Duration.ofMillis(1)),
                HttpOptions.DEFAULTS.at("127.0.0.1", 0).withLimits(8 * 1024, 100, Duration.ofSeconds(20)));
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    /** One answer as the server sent it: status, headers (names lower-cased), body. */
    record Answer(int status, Map<String, String> headers, String body) {
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", served.server().address().getPort());
        s.setSoTimeout(20_000);
        return s;
    }

    /** Reads one answer: none for an interim (1xx) one, else by Content-Length, or to the end of the stream when there is none. */
    private static Answer read(InputStream in) throws IOException {
        String status = line(in);
        boolean interim = status.charAt(9) == '1'; // no content, whatever its headers say (RFC 9110, 15.2)
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        String length = headers.get("content-length");
        byte[] body = interim ? new byte[0] : length == null ? in.readAllBytes() : in.readNBytes(Integer.parseInt(length));
        return new Answer(Integer.parseInt(status.substring(9, 12)), headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) throw new IOException("connection closed after \"" + b + "\"");
            if (c != '\r') b.write(c);
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The request's h_n from the in-process service: the oracle for every answer here. */
    private static float[][] expectedHn(float[][] x) throws Exception {
        return served.service().submit(RnnRequest.of(x).withOutputs(Output.H_N)).get().hN();
    }

    private static float[][] hN(Answer a) throws IOException {
        assertEquals(200, a.status(), a.body());
        JsonNode n = JSON.readTree(a.body()).get("h_n");
        float[][] m = new float[n.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new float[n.get(i).size()];
            for (int j = 0; j < m[i].length; j++) m[i][j] = Float.parseFloat(n.get(i).get(j).asText());
        }
        return m;
    }

    private static String body(float[][] x) throws IOException {
        return "{\"outputs\": [\"h_n\"], \"x\": " + JSON.writeValueAsString(x) + "}";
    }

    @Test
    void curlsExpectContinueGetsTheInterimAnswerThenTheResult() throws Exception {
        float[][] x = ServeFixtures.matrix(new Random(1), 70, 4); // over 1 KiB: curl then asks first
        byte[] b = body(x).getBytes(StandardCharsets.UTF_8);
        assertTrue(b.length > 1024);
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(ascii("POST /v1/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
                    + "Content-Type: application/json; charset=utf-8\r\nContent-Length: " + b.length + "\r\nExpect: 100-continue\r\n\r\n"));
            out.flush();
            InputStream in = s.getInputStream();
            Answer interim = read(in); // curl waits up to 1 s for this before sending the body anyway
            assertEquals(100, interim.status());
            out.write(b);
            out.flush();
            assertArrayEquals(expectedHn(x), hN(read(in)));
        }
    }

    @Test
    void aChunkedBodyIsReadWholeAndAnOversizedOneIs413() throws Exception {
        float[][] x = ServeFixtures.matrix(new Random(2), 9, 4);
        byte[] b = body(x).getBytes(StandardCharsets.UTF_8);
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(ascii("POST /v1/infer HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"));
            for (int i = 0; i < b.length; i += 100) { // python's http.client with encode_chunked=True writes such chunks
                int n = Math.min(100, b.length - i);
                out.write(ascii(Integer.toHexString(n) + "\r\n"));
                out.write(b, i, n);
                out.write(ascii("\r\n"));
            }
            out.write(ascii("0\r\n\r\n"));
            out.flush();
            assertArrayEquals(expectedHn(x), hN(read(s.getInputStream())));

            byte[] big = (" ".repeat(9000) + body(x)).getBytes(StandardCharsets.UTF_8); // valid, but over the 8 KiB limit
            assertTrue(big.length > 8 * 1024);
            out.write(ascii("POST /v1/infer HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(big.length) + "\r\n"));
            out.write(big);
            out.write(ascii("\r\n0\r\n\r\n"));
            out.flush();
            Answer a = read(s.getInputStream());
            assertEquals(413, a.status(), a.body());
            assertTrue(a.body().contains("body: expected at most 8192 bytes"), a.body());
        }
    }

    @Test
    void integersExponentsNegativeZeroAndWhitespaceReadAsTheirFloats() throws Exception {
        float[][] x = {{0, 1e-3f, -0.0f, 2}, {-1, 2.5e2f, 3.0e-2f, 0}};
        String text = " {\n  \"x\" : [ [ 0 , 1e-3 , -0.0 , 2 ] ,\r\n\t[ -1, 2.5E+2, 3.0e-2, 0.0 ] ],\n  \"outputs\" : [ \"h_n\" ]\n}\n";
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        try (Socket s = connect()) {
            s.getOutputStream().write(ascii("POST /v1/infer HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: identity\r\nContent-Type: application/json; charset=utf-8\r\n"
                    + "Content-Length: " + b.length + "\r\nConnection: close\r\nUser-Agent: Python-urllib/3.11\r\n\r\n"));
            s.getOutputStream().write(b);
            assertArrayEquals(expectedHn(x), hN(read(s.getInputStream())));
        }
    }

    @Test
    void keepAliveServesRequestsInTurnAndHttp10ClosesAfterOne() throws Exception {
        try (Socket s = connect()) { // http.client: one connection, several requests
            for (int k = 0; k < 3; k++) {
                float[][] x = ServeFixtures.matrix(new Random(10 + k), 3 + k, 4);
                byte[] b = body(x).getBytes(StandardCharsets.UTF_8);
                s.getOutputStream().write(ascii("POST /v1/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: identity\r\nContent-Length: " + b.length
                        + "\r\nContent-Type: application/json\r\n\r\n"));
                s.getOutputStream().write(b);
                assertArrayEquals(expectedHn(x), hN(read(s.getInputStream())));
            }
        }
        float[][] x = ServeFixtures.matrix(new Random(20), 5, 4);
        byte[] b = body(x).getBytes(StandardCharsets.UTF_8);
        try (Socket s = connect()) {
            s.getOutputStream().write(ascii("POST /v1/infer HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n"));
            s.getOutputStream().write(b);
            InputStream in = s.getInputStream();
            Answer a = read(in);
            assertArrayEquals(expectedHn(x), hN(a));
            assertEquals("close", a.headers().get("connection"));
            assertEquals(-1, in.read(), "HTTP/1.0 without keep-alive: the server closes after the answer");
        }
    }

    @Test
    void anIdleConnectionIsClosedAndAClientStalledMidBodyIsCountedAsAborted() throws Exception {
        try (ServedModel quick = ServedModel.start(CFG, 12, ServiceOptions.DEFAULTS.withMaxWait(Duration.ofMillis(1)),
                HttpOptions.DEFAULTS.at("127.0.0.1", 0).withIdleTimeout(Duration.ofMillis(300)))) {
            float[][] x = ServeFixtures.matrix(new Random(40), 3, 4);
            byte[] b = body(x).getBytes(StandardCharsets.UTF_8);
            try (Socket s = new Socket("127.0.0.1", quick.server().address().getPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(ascii("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " + b.length + "\r\n\r\n"));
                s.getOutputStream().write(b);
                Answer a = read(s.getInputStream());
                assertEquals(200, a.status(), a.body());
                assertEquals(null, a.headers().get("connection"), "kept alive after the answer");
                long t0 = System.nanoTime();
                assertEquals(-1, s.getInputStream().read(), "closed once idle");
                assertTrue(System.nanoTime() - t0 >= 200e6, "not before the idle limit");
            }
            long aborted = quick.server().aborted();
            try (Socket s = new Socket("127.0.0.1", quick.server().address().getPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(ascii("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " + b.length + "\r\n\r\n"));
                s.getOutputStream().write(b, 0, b.length / 2);
                assertEquals(-1, s.getInputStream().read(), "a client stalled mid-body is closed once idle");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (quick.server().aborted() == aborted && System.nanoTime() < deadline) Thread.sleep(5);
            assertEquals(aborted + 1, quick.server().aborted());
            assertEquals(0, quick.server().inFlight());
        }
    }

    @Test
    void aStoppingServerAnswersWhatItHasAndRefusesNewWorkOnOpenConnections() throws Exception {
        // an LSTM of 64 → 128 on the reference backend: a request of 1500 steps takes long enough to stop beside it
        try (ServedModel slowServer = ServedModel.start(RnnConfig.lstm(64, 128, 0, 1, false), 9, ServiceOptions.DEFAULTS,
                HttpOptions.DEFAULTS.at("127.0.0.1", 0).withLimits(8 << 20, 5000, Duration.ofSeconds(20)))) {
            RnnService s = slowServer.service();
            RnnHttpServer h = slowServer.server();
            try (Socket open = new Socket("127.0.0.1", h.address().getPort()); Socket slow = new Socket("127.0.0.1", h.address().getPort())) {
                open.setSoTimeout(20_000);
                slow.setSoTimeout(30_000);
                byte[] long_ = ("{\"outputs\": [\"h_n\"], \"x\": " + JSON.writeValueAsString(ServeFixtures.matrix(new Random(3), 1500, 64)) + "}")
                        .getBytes(StandardCharsets.UTF_8);
                slow.getOutputStream().write(ascii("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " + long_.length + "\r\n\r\n"));
                slow.getOutputStream().write(long_);
                while (s.stats().counts().accepted() == 0) Thread.sleep(1);
                Thread stopper = Thread.ofPlatform().start(() -> h.stop(Duration.ofSeconds(20)));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline) { // until the listener is closed
                    try (Socket probe = new Socket("127.0.0.1", h.address().getPort())) {
                        Thread.sleep(2);
                    } catch (IOException refused) {
                        break;
                    }
                }
                byte[] b = body(ServeFixtures.matrix(new Random(41), 2, 64)).getBytes(StandardCharsets.UTF_8);
                open.getOutputStream().write(ascii("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " + b.length + "\r\n\r\n"));
                open.getOutputStream().write(b);
                Answer refused = read(open.getInputStream());
                assertEquals(503, refused.status(), refused.body());
                assertEquals("close", refused.headers().get("connection"));
                assertEquals("1", refused.headers().get("retry-after"));
                assertTrue(refused.body().contains("shutting down"), refused.body());
                Answer answered = read(slow.getInputStream());
                assertEquals(200, answered.status(), "the request in flight is answered: " + answered.body());
                assertEquals("close", answered.headers().get("connection"));
                stopper.join(30_000);
            }
        }
    }

    @Test
    void aClientGoneMidBodyIsCountedAsAbortedAndTheServerAnswersTheNext() throws Exception {
        long aborted = served.server().aborted(), errors = served.server().answered(500) + served.server().answered(400);
        byte[] b = body(ServeFixtures.matrix(new Random(30), 40, 4)).getBytes(StandardCharsets.UTF_8);
        try (Socket s = connect()) {
            s.getOutputStream().write(ascii("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " + b.length + "\r\n\r\n"));
            s.getOutputStream().write(Arrays.copyOf(b, b.length / 2));
            s.getOutputStream().flush();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (served.server().aborted() == aborted && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(aborted + 1, served.server().aborted());
        assertEquals(errors, served.server().answered(500) + served.server().answered(400), "a client that left is not an error answer");
        float[][] x = ServeFixtures.matrix(new Random(31), 4, 4);
        byte[] ok = body(x).getBytes(StandardCharsets.UTF_8);
        try (Socket s = connect()) {
            s.getOutputStream().write(ascii("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " + ok.length + "\r\n\r\n"));
            s.getOutputStream().write(ok);
            assertArrayEquals(expectedHn(x), hN(read(s.getInputStream())));
        }
        assertTrue(served.server().metricsText().contains("fusedrnn_http_aborted_total " + (aborted + 1)), served.server().metricsText());
        RnnHttpServerTest.assertFrontEndIdle(served.service());
    }
}
