package io.fusedrnn.serve;

import io.fusedrnn.FusedRnnException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP front end of an {@link RnnService}: Netty's HTTP/1.1 codec on its NIO transport, one event
 * loop per core, JSON read by {@link RequestScanner} (Jackson for anything unusual) and written by
 * hand. {@code POST /v1/infer}, {@code GET /health}, {@code GET /metrics} (Prometheus text). Errors
 * are {@code {"error": "<one line>"}} with 400 (malformed), 404, 405, 413 (over a limit), 503 (queue
 * full or shutting down, with Retry-After) or 504 (timed out).
 *
 * <p>A request is read and parsed on its connection's event loop and handed to the service; the
 * answer is written on that loop when the service completes it. No thread waits for an answer, and
 * nothing is handed between threads but the request and its result (docs/DESIGN.md, "Serving: the
 * HTTP front end on Netty"). A connection answers its requests in order: while one is in the
 * service, the connection reads nothing more, and requests a client pipelined behind it wait. A
 * connection with nothing in hand and no traffic for {@link HttpOptions#idleTimeout} is closed; once
 * {@link #stop} has begun, each answer closes its connection and new inference requests get 503.
 */
public final class RnnHttpServer implements AutoCloseable {
    private static final String JSON_TYPE = "application/json";
    private static final String METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Bodies up to this size are read into reused buffers; larger ones (rare) get their own array. */
    private static final int POOLED_BODY_BYTES = 1 << 20;
    /**
     * Bodies over this size are parsed on a virtual thread of their own rather than on the event
     * loop, which meanwhile serves the other connections it holds (16 MiB take about 50 ms to parse).
     */
    private static final int INLINE_PARSE_BYTES = 1 << 20;
    /** What a connection's body buffer starts at when the client does not say the length (chunked). */
    private static final int CHUNKED_START_BYTES = 64 << 10;

    private final RnnService service;
    private final HttpOptions options;
    private final EventLoopGroup loops;
    private final ChannelGroup connections = new DefaultChannelGroup("fusedrnn-http", GlobalEventExecutor.INSTANCE);
    private final Channel listener;
    private final InetSocketAddress bound;
    private final HttpMetrics metrics = new HttpMetrics();
    /**
     * Request body buffers, reused: a body (34 KB at T = 50, I = 64) is garbage as soon as it is parsed.
     * A buffer is held only from reading the body to the end of its parse, so a few cover many clients.
     */
    private final BlockingQueue<byte[]> bodyBuffers = new ArrayBlockingQueue<>(16);
    private volatile boolean stopping;

    private RnnHttpServer(RnnService service, HttpOptions options) {
        this.service = service;
        this.options = options;
        int n = Math.max(1, Runtime.getRuntime().availableProcessors());
        this.loops = new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory("fusedrnn-http", true), NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(loops)
                .channel(NioServerSocketChannel.class)
                // answers go out as one write each; without this, a client's delayed ACK can hold the next one
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS),
                                new HttpServerCodec(), new Exchange());
                    }
                });
        ChannelFuture f = b.bind(new InetSocketAddress(options.host(), options.port())).awaitUninterruptibly();
        if (!f.isSuccess()) {
            loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            Throwable c = f.cause();
            throw new FusedRnnException("--host/--port " + options.host() + ":" + options.port() + ": expected an address to listen on, found "
                    + c.getClass().getSimpleName() + ": " + c.getMessage(), c);
        }
        this.listener = f.channel();
        this.bound = (InetSocketAddress) listener.localAddress();
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
        return new RnnHttpServer(service, options);
    }

    /** {@return the address actually bound (the port is the real one when 0 was asked)} */
    public InetSocketAddress address() {
        return bound;
    }

    /** {@return {@code http://HOST:PORT}} */
    public String url() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + bound.getPort();
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

    /** The endpoints. */
    private enum Route {
        INFER(HttpMethod.POST), HEALTH(HttpMethod.GET, HttpMethod.HEAD), METRICS(HttpMethod.GET);

        private final List<HttpMethod> methods;
        /** The methods as an Allow header lists them. */
        final String allowed;

        Route(HttpMethod... methods) {
            this.methods = List.of(methods);
            this.allowed = String.join(", ", this.methods.stream().map(HttpMethod::name).toList());
        }

        static Route of(String path) {
            return switch (path) {
                case "/v1/infer" -> INFER;
                case "/health" -> HEALTH;
                case "/metrics" -> METRICS;
                default -> null;
            };
        }

        boolean allows(HttpMethod m) {
            return methods.contains(m);
        }
    }

    /**
     * One connection's requests, in turn. Runs on the connection's event loop, except the parse of a
     * body over {@link #INLINE_PARSE_BYTES}. A request is counted in flight and as front-end work
     * (RnnService#frontEndWork) from its headers to its answer's write, except while it is in the
     * service; a client gone before that is counted as aborted.
     */
    private final class Exchange extends ChannelInboundHandlerAdapter {
        /** The request whose body is being read, null between requests and while one is answered. */
        private HttpRequest head;
        private Route route;
        private String path;
        /** The refusal the request gets once its body is read (the body is then not kept). */
        private HttpError refused;
        private byte[] body;
        private int length;
        /** A request is being answered: messages that arrive meanwhile wait in {@code queued}, in order. */
        private boolean busy;
        private final ArrayDeque<Object> queued = new ArrayDeque<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (busy) {
                queued.add(msg);
                return;
            }
            try {
                take(ctx, msg);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void take(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest req) {
                begin(ctx, req);
                if (busy) return; // refused at once
            }
            if (msg instanceof HttpContent c && head != null) {
                DecoderResult r = c.decoderResult();
                if (r.isFailure()) {
                    malformed(ctx, r.cause());
                    return;
                }
                if (refused == null && body != null) append(c.content());
                if (msg instanceof LastHttpContent) complete(ctx);
            }
        }

        private void begin(ChannelHandlerContext ctx, HttpRequest req) {
            head = req;
            refused = null;
            body = null;
            length = 0;
            metrics.inFlight.incrementAndGet();
            service.frontEndWork.incrementAndGet();
            if (req.decoderResult().isFailure()) {
                malformed(ctx, req.decoderResult().cause());
                return;
            }
            try {
                path = new QueryStringDecoder(req.uri()).path();
            } catch (IllegalArgumentException e) {
                malformed(ctx, e);
                return;
            }
            route = Route.of(path);
            if (stopping && route == Route.INFER) { // answered 503 with Connection: close, so the client goes elsewhere
                refused = new HttpError(503, "server: expected to accept requests, found it shutting down");
            } else if (route == null) {
                refused = new HttpError(404, "path: expected /v1/infer, /health or /metrics, found " + path);
            } else if (!route.allows(req.method())) {
                refused = new HttpError(405, "method: expected " + route.allowed + " for " + path + ", found " + req.method().name());
            } else if (route == Route.INFER) {
                String declared = req.headers().get(HttpHeaderNames.CONTENT_LENGTH);
                long n = declared == null ? -1 : HttpUtil.getContentLength(req, -1L); // the decoder has checked it
                if (n > options.maxBodyBytes()) {
                    refused = tooLarge(declared.trim());
                } else {
                    body = borrow(n >= 0 ? (int) n : CHUNKED_START_BYTES);
                }
            }
            if (HttpUtil.is100ContinueExpected(req)) {
                if (refused != null) { // the client waits to be told before it sends the body: tell it no, and close
                    busy = true;
                    refuse(ctx, req, false, refused);
                    return;
                }
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
            }
        }

        private void append(ByteBuf content) {
            int n = content.readableBytes();
            if (n == 0) return;
            if ((long) length + n > options.maxBodyBytes()) { // chunked: over the limit is known only here
                refused = tooLarge("more");
                giveBack(body);
                body = null;
                return;
            }
            if (length + n > body.length) {
                byte[] bigger = Arrays.copyOf(body, (int) Math.min(options.maxBodyBytes(), Math.max(2L * body.length, (long) length + n)));
                giveBack(body);
                body = bigger;
            }
            content.getBytes(content.readerIndex(), body, length, n);
            length += n;
        }

        /** The request's body has been read: refuse it, answer it, or hand it to the service. */
        private void complete(ChannelHandlerContext ctx) {
            HttpRequest req = head;
            head = null;
            busy = true;
            ctx.channel().config().setAutoRead(false); // nothing more from this client until it is answered
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (refused != null) {
                refuse(ctx, req, keepAlive, refused);
                return;
            }
            try {
                switch (route) {
                    case HEALTH -> respond(ctx, req, keepAlive, stopping ? 503 : 200, JSON_TYPE, (stopping ? "{\"status\":\"stopping\"}"
                            : "{\"status\":\"ok\",\"model\":\"" + service.config().describe() + "\"}").getBytes(StandardCharsets.UTF_8));
                    case METRICS -> respond(ctx, req, keepAlive, 200, METRICS_TYPE, metrics.render(service).getBytes(StandardCharsets.UTF_8));
                    case INFER -> {
                        byte[] b = body;
                        int n = length;
                        body = null;
                        if (n > INLINE_PARSE_BYTES) Thread.ofVirtual().name("fusedrnn-http-parse").start(() -> submit(ctx, req, keepAlive, b, n));
                        else submit(ctx, req, keepAlive, b, n);
                    }
                }
            } catch (RuntimeException e) {
                refuse(ctx, req, keepAlive, new HttpError(500, "server: expected no internal error, found " + e));
            }
        }

        /** Parses a body and hands the request to the service; its answer is written on the event loop. */
        private void submit(ChannelHandlerContext ctx, HttpRequest req, boolean keepAlive, byte[] b, int n) {
            RnnRequest request;
            CompletableFuture<RnnResult> answer;
            try {
                try {
                    // the service owns the timeout: it completes the future with TimeoutException, leaves the
                    // request out of its batch if it has not started, and counts it (fusedrnn_timed_out_total)
                    request = InferJson.read(b, n, service.config(), options.maxSteps()).withTimeout(options.timeout());
                } finally {
                    giveBack(b); // the request holds floats, not the bytes
                }
                answer = service.submit(request);
            } catch (RuntimeException e) {
                refuse(ctx, req, keepAlive, refusal(e));
                return;
            }
            // in the service now, and front-end work again once answered (counted by the thread that
            // completes the future, so the batcher sees the answers to write before it gathers again)
            service.frontEndWork.decrementAndGet();
            answer.whenComplete((r, e) -> {
                service.frontEndWork.incrementAndGet();
                ctx.executor().execute(() -> answered(ctx, req, keepAlive, r, e));
            });
        }

        private void answered(ChannelHandlerContext ctx, HttpRequest req, boolean keepAlive, RnnResult r, Throwable e) {
            if (e == null) {
                respond(ctx, req, keepAlive, 200, JSON_TYPE, InferJson.write(r));
                return;
            }
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            refuse(ctx, req, keepAlive, c instanceof TimeoutException
                    ? new HttpError(504, "request: expected an answer within " + options.timeout().toMillis() + " ms, found none (timed out)")
                    : new HttpError(500, "compute: expected a result, found " + c));
        }

        /** A request the codec could not read: 400, and the connection is closed (the rest of its bytes mean nothing). */
        private void malformed(ChannelHandlerContext ctx, Throwable cause) {
            HttpRequest req = head;
            head = null;
            busy = true;
            giveBack(body);
            body = null;
            String what = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            refuse(ctx, req, false, new HttpError(400, "request: expected a well-formed HTTP/1.1 request, found " + firstLine(what)));
        }

        /** Answers {@code e}'s status with {@code {"error": message}}. */
        private void refuse(ChannelHandlerContext ctx, HttpRequest req, boolean keepAlive, HttpError e) {
            respond(ctx, req, keepAlive, e.status, JSON_TYPE, InferJson.error(e.getMessage()));
        }

        /**
         * Writes an answer (counted by status), then takes the connection's next request or closes it.
         * The request's front-end work and in-flight count end when the answer has been written.
         */
        private void respond(ChannelHandlerContext ctx, HttpRequest req, boolean keepAlive, int status, String type, byte[] bytes) {
            if (!ctx.executor().inEventLoop()) { // the parse of a large body ran on a thread of its own
                ctx.executor().execute(() -> respond(ctx, req, keepAlive, status, type, bytes));
                return;
            }
            boolean keep = keepAlive && !stopping; // a stopping server closes each connection after its answer
            boolean headOnly = req != null && req.method().equals(HttpMethod.HEAD);
            HttpVersion version = req == null ? HttpVersion.HTTP_1_1 : req.protocolVersion();
            FullHttpResponse resp = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(status),
                    headOnly ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            if (status == 503) resp.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            if (status == 405) resp.headers().set(HttpHeaderNames.ALLOW, route.allowed);
            if (!keep) resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            else if (version.equals(HttpVersion.HTTP_1_0)) resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            metrics.answered(status);
            ctx.writeAndFlush(resp).addListener(w -> {
                if (!w.isSuccess()) metrics.aborted.increment(); // the client went away mid-answer
                service.frontEndWork.decrementAndGet();
                metrics.inFlight.decrementAndGet();
                if (!keep || !w.isSuccess()) {
                    ctx.close();
                    return;
                }
                busy = false;
                while (!busy && !queued.isEmpty()) { // requests the client sent meanwhile, in order
                    Object m = queued.poll();
                    try {
                        take(ctx, m);
                    } finally {
                        ReferenceCountUtil.release(m);
                    }
                }
                if (!busy) ctx.channel().config().setAutoRead(true);
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (head != null) { // the client went away before its request's body ended
                metrics.aborted.increment();
                giveBack(body);
                body = null;
                head = null;
                service.frontEndWork.decrementAndGet();
                metrics.inFlight.decrementAndGet();
            }
            for (Object m : queued) ReferenceCountUtil.release(m);
            queued.clear();
            ctx.fireChannelInactive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            // nothing read or written for the idle limit: between requests, or a client stalled mid-request
            // (counted as aborted when the channel closes); a request in the service is waited for
            if (evt instanceof IdleStateEvent && !busy) ctx.close();
            else ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset connection (IOException) or worse: channelInactive counts what was cut short
        }
    }

    /**
     * What a request that failed while being read, parsed or submitted is answered: its own status, 503
     * for a full queue (with Retry-After) or a service shutting down, 400 for bad input, else 500.
     */
    private static HttpError refusal(RuntimeException e) {
        if (e instanceof HttpError h) return h;
        if (e instanceof QueueFullException) return new HttpError(503, e.getMessage());
        if (e instanceof IllegalStateException) return new HttpError(503, "server: expected to accept requests, found it shutting down");
        if (e instanceof FusedRnnException) return new HttpError(400, e.getMessage());
        return new HttpError(500, "server: expected no internal error, found " + e);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A buffer of at least {@code size} bytes: a pooled one when it is large enough. */
    private byte[] borrow(int size) {
        byte[] b = size > POOLED_BODY_BYTES ? null : bodyBuffers.poll();
        return b != null && b.length >= size ? b : new byte[Math.max(size, 64 << 10)];
    }

    private void giveBack(byte[] buffer) {
        if (buffer != null && buffer.length <= POOLED_BODY_BYTES) bodyBuffers.offer(buffer);
    }

    private HttpError tooLarge(String found) {
        return new HttpError(413, "body: expected at most " + options.maxBodyBytes() + " bytes (the server's limit), found " + found);
    }

    /**
     * Stops accepting connections, waits up to {@code grace} for the requests in flight to be
     * answered, then closes every connection and stops the event loops. The service stays open
     * (close it next).
     *
     * @param grace how long to wait for requests in flight
     */
    public void stop(Duration grace) {
        stopping = true;
        listener.close().awaitUninterruptibly();
        long deadline = System.nanoTime() + grace.toNanos();
        boolean interrupted = false;
        while (metrics.inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        connections.close().awaitUninterruptibly();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        if (interrupted) Thread.currentThread().interrupt();
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
