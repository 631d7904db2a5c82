package io.fusedrnn.serve;

import io.fusedrnn.FusedRnnException;

import java.time.Duration;

/**
 * Where {@link RnnHttpServer} listens and what it accepts.
 *
 * @param host         address to bind (loopback by default)
 * @param port         TCP port (0: any free port)
 * @param maxBodyBytes largest request body; more is answered 413
 * @param maxSteps     largest T of a request; more is answered 413
 * @param timeout      how long a request may wait for its answer (queue and compute); then 504
 * @param idleTimeout  how long a connection may stay open with no request in hand and nothing read or
 *                     written (between keep-alive requests, or mid-request); then it is closed
 */
public record HttpOptions(String host, int port, long maxBodyBytes, int maxSteps, Duration timeout, Duration idleTimeout) {
    /** A connection's default idle limit, the JDK server's (sun.net.httpserver.idleInterval). */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** 127.0.0.1:8080, bodies up to 16 MiB, T up to 10 000, 30 s per request, connections idle for 30 s closed. */
    public static final HttpOptions DEFAULTS = new HttpOptions("127.0.0.1", 8080, 16L << 20, 10_000, Duration.ofSeconds(30));

    /**
     * Options with the default idle limit ({@link #IDLE_TIMEOUT}).
     *
     * @param host         address to bind
     * @param port         TCP port (0: any free port)
     * @param maxBodyBytes largest request body
     * @param maxSteps     largest T of a request
     * @param timeout      how long a request may wait for its answer
     */
    public HttpOptions(String host, int port, long maxBodyBytes, int maxSteps, Duration timeout) {
        this(host, port, maxBodyBytes, maxSteps, timeout, IDLE_TIMEOUT);
    }

    /** Checks each field; a bad one is a {@link FusedRnnException} naming it. */
    public HttpOptions {
        if (host == null || host.isBlank()) throw new FusedRnnException("host: expected an address, found none");
        if (port < 0 || port > 65535) throw new FusedRnnException("port: expected 0..65535, found " + port);
        if (maxBodyBytes < 1) throw new FusedRnnException("max body bytes: expected >= 1, found " + maxBodyBytes);
        if (maxSteps < 1) throw new FusedRnnException("max steps: expected >= 1, found " + maxSteps);
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new FusedRnnException("timeout: expected > 0, found " + timeout);
        if (idleTimeout == null || idleTimeout.toMillis() < 1) throw new FusedRnnException("idle timeout: expected >= 1 ms, found " + idleTimeout);
    }

    /**
     * Workers for the vector backend behind an HTTP server on {@code processors} cores: half of them,
     * at least one. The front end (reading, parsing and answering requests) runs on the same cores as
     * the sweeps, and a sweep split over every core waits at each step for a worker that a front-end
     * thread has taken the core from. On 2 cores (LSTM I=64 H=256, T 20..80, 64 clients over HTTP) one
     * worker took 0.41–0.49 CPU-ms per request against 0.58–0.67 for two, and answered 4–40% more
     * requests per second; the front end's share of a request's CPU was about 40% there
     * (benchmarks/RESULTS.md, "Serving, round 13"). In process, without a front end, two workers
     * answer more (RnnService itself takes any backend).
     *
     * @param processors the cores the server runs on
     * @return the vector backend's workers
     */
    public static int backendThreads(int processors) {
        return Math.max(1, processors / 2);
    }

    /**
     * These options on another host and port.
     *
     * @param newHost address to bind
     * @param newPort TCP port, 0 for any free one
     * @return a copy with the new address
     */
    public HttpOptions at(String newHost, int newPort) {
        return new HttpOptions(newHost, newPort, maxBodyBytes, maxSteps, timeout, idleTimeout);
    }

    /**
     * These options with other limits.
     *
     * @param bodyBytes largest request body in bytes
     * @param steps largest T of a request
     * @param requestTimeout how long a request may wait for its answer
     * @return a copy with the new limits
     */
    public HttpOptions withLimits(long bodyBytes, int steps, Duration requestTimeout) {
        return new HttpOptions(host, port, bodyBytes, steps, requestTimeout, idleTimeout);
    }

    /**
     * These options with another idle limit for connections.
     *
     * @param idle how long a connection may stay open with no request in hand and no traffic
     * @return a copy with the new limit
     */
    public HttpOptions withIdleTimeout(Duration idle) {
        return new HttpOptions(host, port, maxBodyBytes, maxSteps, timeout, idle);
    }
}
