package io.fusedrnn.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fusedrnn.FusedRnnException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP front end of an {@link RnnService}: the JDK's {@code com.sun.net.httpserver} with one
 * virtual thread per exchange (a handler simply blocks on its future), JSON through Jackson.
 * {@code POST /v1/infer}, {@code GET /health}, {@code GET /metrics} (Prometheus text). Errors are
 * {@code {"error": "<one line>"}} with 400 (malformed), 404, 405, 413 (over a limit), 503 (queue
 * full or shutting down, with Retry-After) or 504 (timed out).
 */
public final class RnnHttpServer implements AutoCloseable {
    private static final String JSON_TYPE = "application/json";
    /** Bodies up to this size are read into reused buffers; larger ones (rare) get their own array. */
    private static final int POOLED_BODY_BYTES = 1 << 20;

    private final RnnService service;
    private final HttpOptions options;
    private final HttpServer server;
    private final ExecutorService threads;
    private final HttpMetrics metrics = new HttpMetrics();
    /**
     * Request body buffers, reused: a body (34 KB at T = 50, I = 64) is garbage as soon as it is parsed.
     * A buffer is held only from reading the body to the end of its parse, so a few cover many clients.
     */
    private final BlockingQueue<byte[]> bodyBuffers = new ArrayBlockingQueue<>(16);
    private volatile boolean stopping;

    static {
        // Answers go out as two writes (headers, body); with Nagle's algorithm on, the body waits for the
        // client's delayed ACK (tens of ms per request). The JDK server reads this property once.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private RnnHttpServer(RnnService service, HttpOptions options) throws IOException {
        this.service = service;
        this.options = options;
        this.server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 0);
        this.threads = Executors.newVirtualThreadPerTaskExecutor();
        // an exchange is front-end work from its dispatch to its end, except while its request is in
        // the service (RnnService#frontEndWork; infer takes it out and puts it back)
        server.setExecutor(task -> {
            service.frontEndWork.incrementAndGet();
            try {
                threads.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        service.frontEndWork.decrementAndGet();
                    }
                });
            } catch (RuntimeException e) {
                service.frontEndWork.decrementAndGet();
                throw e;
            }
        });
        server.createContext("/", this::handle);
    }

    /**
     * Binds and starts accepting requests for {@code service} (which the caller closes, after this).
     *
     * @param service the service that answers requests
     * @param options address and limits
     * @return the running server; {@link #stop} it when done
     * @throws FusedRnnException when the address cannot be bound
     */
    public static RnnHttpServer start(RnnService service, HttpOptions options) {
        try {
            RnnHttpServer s = new RnnHttpServer(service, options);
            s.server.start();
            return s;
        } catch (IOException e) {
            throw new FusedRnnException("--host/--port " + options.host() + ":" + options.port() + ": expected an address to listen on, found "
                    + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** {@return the address actually bound (the port is the real one when 0 was asked)} */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@return {@code http://HOST:PORT}} */
    public String url() {
        InetSocketAddress a = address();
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + a.getPort();
    }

    /**
     * {@return requests answered with {@code status} so far}
     *
     * @param status an HTTP status code
     */
    public long answered(int status) {
        return metrics.count(status);
    }

    /** {@return requests whose client went away before its answer was written (mid-body or mid-answer)} */
    public long aborted() {
        return metrics.aborted.sum();
    }

    /** {@return requests being handled now} */
    public int inFlight() {
        return metrics.inFlight.get();
    }

    private void handle(HttpExchange ex) {
        metrics.inFlight.incrementAndGet();
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            switch (path) {
                case "/v1/infer" -> {
                    if (!method.equals("POST")) throw methodNotAllowed(ex, "POST", method);
                    infer(ex);
                }
                case "/health" -> {
                    if (!method.equals("GET") && !method.equals("HEAD")) throw methodNotAllowed(ex, "GET, HEAD", method);
                    if (stopping) send(ex, 503, JSON_TYPE, "{\"status\":\"stopping\"}".getBytes(StandardCharsets.UTF_8));
                    else send(ex, 200, JSON_TYPE, ("{\"status\":\"ok\",\"model\":\"" + service.config().describe() + "\"}").getBytes(StandardCharsets.UTF_8));
                }
                case "/metrics" -> {
                    if (!method.equals("GET")) throw methodNotAllowed(ex, "GET", method);
                    send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render(service).getBytes(StandardCharsets.UTF_8));
                }
                default -> throw new HttpError(404, "path: expected /v1/infer, /health or /metrics, found " + path);
            }
        } catch (UncheckedIOException e) {
            metrics.aborted.increment(); // the client went away mid-request or mid-answer: nobody to answer
        } catch (HttpError e) {
            if (e.status == 503) ex.getResponseHeaders().set("Retry-After", "1");
            sendQuietly(ex, e.status, InferJson.error(e.getMessage()));
        } catch (RuntimeException e) {
            sendQuietly(ex, 500, InferJson.error("server: expected no internal error, found " + e));
        } finally {
            ex.close();
            metrics.inFlight.decrementAndGet();
        }
    }

    private void infer(HttpExchange ex) {
        Body body = readBody(ex);
        RnnRequest request;
        try {
            // the service owns the timeout: it completes the future with TimeoutException, leaves the
            // request out of its batch if it has not started, and counts it (fusedrnn_timed_out_total)
            request = InferJson.read(body.bytes(), body.length(), service.config(), options.maxSteps()).withTimeout(options.timeout());
        } finally {
            giveBack(body.bytes()); // the request holds floats, not the bytes
        }
        CompletableFuture<RnnResult> answer;
        try {
            answer = service.submit(request);
            // in the service now, and front-end work again once answered (counted by the thread that
            // completes the future, so the batcher sees the answers to write before it gathers again)
            service.frontEndWork.decrementAndGet();
            answer.whenComplete((r, e) -> service.frontEndWork.incrementAndGet());
        } catch (QueueFullException e) {
            throw new HttpError(503, e.getMessage());
        } catch (IllegalStateException e) {
            throw new HttpError(503, "server: expected to accept requests, found it shutting down");
        } catch (FusedRnnException e) {
            throw new HttpError(400, e.getMessage());
        }
        RnnResult result;
        try {
            result = answer.get();
        } catch (InterruptedException e) {
            answer.cancel(false);
            Thread.currentThread().interrupt();
            throw new HttpError(503, "server: expected to finish the request, found it interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                throw new HttpError(504, "request: expected an answer within " + options.timeout().toMillis() + " ms, found none (timed out)");
            }
            throw new HttpError(500, "compute: expected a result, found " + e.getCause());
        }
        send(ex, 200, JSON_TYPE, InferJson.write(result));
    }

    /** A request body: {@code bytes[0, length)}. */
    private record Body(byte[] bytes, int length) {
    }

    private Body readBody(HttpExchange ex) {
        long limit = options.maxBodyBytes();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        long length = -1;
        if (declared != null) {
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length: expected a number, found " + declared);
            }
            if (length < 0) throw new HttpError(400, "Content-Length: expected a number >= 0, found " + declared);
            if (length > limit) throw tooLarge(declared);
        }
        try (InputStream in = ex.getRequestBody()) {
            if (length >= 0) { // one array of at least the declared size, no copies
                byte[] body = borrow((int) length);
                int n = in.readNBytes(body, 0, (int) length);
                if (n != length) throw new UncheckedIOException(new EOFException("body: " + n + " of " + length + " bytes before the connection closed"));
                return new Body(body, n);
            }
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1)); // chunked: read up to the limit
            if (body.length > limit) throw tooLarge("more");
            return new Body(body, body.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A buffer of at least {@code size} bytes: a pooled one when it is large enough. */
    private byte[] borrow(int size) {
        byte[] b = size > POOLED_BODY_BYTES ? null : bodyBuffers.poll();
        return b != null && b.length >= size ? b : new byte[Math.max(size, 64 << 10)];
    }

    private void giveBack(byte[] buffer) {
        if (buffer.length <= POOLED_BODY_BYTES) bodyBuffers.offer(buffer);
    }

    private HttpError tooLarge(String found) {
        return new HttpError(413, "body: expected at most " + options.maxBodyBytes() + " bytes (the server's limit), found " + found);
    }

    private static HttpError methodNotAllowed(HttpExchange ex, String allowed, String found) {
        ex.getResponseHeaders().set("Allow", allowed);
        return new HttpError(405, "method: expected " + allowed + " for " + ex.getRequestURI().getPath() + ", found " + found);
    }

    private void send(HttpExchange ex, int status, String type, byte[] body) {
        try {
            ex.getResponseHeaders().set("Content-Type", type);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
            metrics.answered(status);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void sendQuietly(HttpExchange ex, int status, byte[] body) {
        try {
            send(ex, status, JSON_TYPE, body);
        } catch (RuntimeException ignored) {
            // the client went away or headers were already sent: nothing more to tell it
        }
    }

    /**
     * Stops accepting connections, waits up to {@code grace} for the requests in flight to be
     * answered, then stops the handler threads. The service stays open (close it next).
     *
     * @param grace how long to wait for requests in flight
     */
    public void stop(Duration grace) {
        stopping = true;
        server.stop((int) Math.max(0, Math.min(Integer.MAX_VALUE, grace.toSeconds())));
        threads.shutdown();
        try {
            threads.awaitTermination(grace.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #stop} with 10 s of grace. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    /** {@return the metrics text, as {@code GET /metrics} answers it} */
    public String metricsText() {
        return metrics.render(service);
    }
}
