package io.fusedrnn.serve;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP front end's counters and the Prometheus text exposition (format 0.0.4) of them and of the
 * service's: every series is named {@code fusedrnn_…}.
 */
final class HttpMetrics {
    private final Map<Integer, LongAdder> byStatus = new ConcurrentSkipListMap<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final LongAdder aborted = new LongAdder();

    /** Counts one answered request. */
    void answered(int status) {
        byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    /** Requests answered with {@code status} so far. */
    long count(int status) {
        LongAdder a = byStatus.get(status);
        return a == null ? 0 : a.sum();
    }

    /** The Prometheus text of this front end and of {@code service}. */
    String render(RnnService service) {
        StringBuilder b = new StringBuilder(4096);
        header(b, "fusedrnn_http_requests_total", "counter", "HTTP requests answered, by status code.");
        if (byStatus.isEmpty()) b.append("fusedrnn_http_requests_total{code=\"200\"} 0\n");
        byStatus.forEach((code, n) -> b.append("fusedrnn_http_requests_total{code=\"").append(code).append("\"} ").append(n.sum()).append('\n'));
        counter(b, "fusedrnn_http_aborted_total", "HTTP requests whose client went away before the answer was written.", aborted.sum());
        gauge(b, "fusedrnn_http_in_flight", "HTTP requests being handled now.", inFlight.get());
        ServiceStats s = service.stats();
        ServiceStats.Counts n = s.counts();
        gauge(b, "fusedrnn_queue_depth", "Requests waiting for a batch.", service.queued());
        counter(b, "fusedrnn_requests_total", "Requests accepted by the batcher.", n.accepted());
        counter(b, "fusedrnn_rejected_total", "Requests refused because the queue was full.", n.rejected());
        counter(b, "fusedrnn_answered_total", "Requests answered with a result.", n.answered());
        counter(b, "fusedrnn_timed_out_total", "Requests that timed out before their answer.", n.timedOut());
        counter(b, "fusedrnn_cancelled_total", "Requests cancelled by their caller.", n.cancelled());
        counter(b, "fusedrnn_failed_total", "Requests whose sweep failed.", n.failed());
        counter(b, "fusedrnn_sweeps_total", "Batched sweeps run.", n.sweeps());
        ServiceStats.Launches l = s.launches();
        header(b, "fusedrnn_batches_total", "counter", "Batches started, by why: full, max wait over, held until the front end was idle, held to the limit.");
        b.append("fusedrnn_batches_total{started=\"full\"} ").append(l.full()).append('\n');
        b.append("fusedrnn_batches_total{started=\"max_wait\"} ").append(l.waited()).append('\n');
        b.append("fusedrnn_batches_total{started=\"front_end_idle\"} ").append(l.idle()).append('\n');
        b.append("fusedrnn_batches_total{started=\"hold_limit\"} ").append(l.bound()).append('\n');
        histogram(b, "fusedrnn_batch_size", "Rows per batched sweep.", s.batchRows());
        histogram(b, "fusedrnn_queue_seconds", "Seconds from submit to the start of the request's sweep.", s.queueSeconds());
        histogram(b, "fusedrnn_compute_seconds", "Seconds per sweep (upload, forward, download).", s.computeSeconds());
        return b.toString();
    }

    private static void header(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void gauge(StringBuilder b, String name, String help, long v) {
        header(b, name, "gauge", help);
        b.append(name).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder b, String name, String help, long v) {
        header(b, name, "counter", help);
        b.append(name).append(' ').append(v).append('\n');
    }

    private static void histogram(StringBuilder b, String name, String help, Histogram h) {
        header(b, name, "histogram", help);
        double[] bounds = h.bounds();
        long[] cum = h.cumulative();
        for (int i = 0; i < bounds.length; i++) {
            b.append(name).append("_bucket{le=\"").append(number(bounds[i])).append("\"} ").append(cum[i]).append('\n');
        }
        b.append(name).append("_bucket{le=\"+Inf\"} ").append(cum[bounds.length]).append('\n');
        b.append(name).append("_sum ").append(number(h.sum())).append('\n');
        b.append(name).append("_count ").append(cum[bounds.length]).append('\n');
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
