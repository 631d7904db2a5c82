package io.fusedrnn.benchmarks.serve;

import io.fusedrnn.serve.Histogram;
import io.fusedrnn.serve.ServiceStats;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs C clients in a closed loop (send, wait for the answer, send the next) for a warm-up and then a
 * measured window, and reports throughput, latency percentiles, CPU, allocation and GC per request,
 * and the service's own split of the time (queue wait, compute per sweep, rows per sweep).
 */
final class ClosedLoop {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private ClosedLoop() {
    }

    /** What one client does per request (k: a running request number, for picking a sequence). */
    interface Call {
        void run(int client, int k) throws Exception;
    }

    /** A client's connection: opened in its own thread, used for every request, closed at the end. */
    interface Connection extends AutoCloseable {
        void call(int k) throws Exception;
    }

    /** Opens one client's connection. */
    interface Connector {
        Connection open(int client) throws Exception;
    }

    /**
     * One measured configuration's outcome.
     *
     * @param queueMs     mean time from submit to the start of the request's sweep
     * @param sweepMs     mean wall time of a sweep
     * @param rowsPerSweep mean rows per sweep
     * @param cpuMs       process CPU per request (server and client, all threads)
     * @param allocKb     bytes allocated per request (all platform threads, incl. carriers), KiB
     * @param gcMsPerS    GC pause time per second of the window
     * @param cpuSplit    CPU per request by thread group (clients, the HTTP server's event loops, sweeps, VM)
     */
    record Row(String mode, int clients, String policy, double perSecond, double cpuMs, double p50, double p99, double mean,
               double queueMs, double sweepMs, double rowsPerSweep, double allocKb, double gcMsPerS, long n, String cpuSplit) {
        String key() {
            return mode + "|" + clients + "|" + policy;
        }
    }

    static double cpuSeconds() {
        return OS.getProcessCpuTime() * 1e-9;
    }

    private static long gcMillis() {
        long t = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) t += Math.max(0, b.getCollectionTime());
        return t;
    }

    /** Closed loop with a plain call per request. */
    static Row run(String mode, String policy, int clients, double warmUp, double seconds, ServiceStats stats, Call call) throws Exception {
        return run(mode, policy, clients, warmUp, seconds, stats, c -> new Connection() {
            @Override
            public void call(int k) throws Exception {
                call.run(c, k);
            }

            @Override
            public void close() {
            }
        });
    }

    /** Closed loop: {@code warmUp} seconds, then {@code seconds} of measured requests; latency per request. */
    static Row run(String mode, String policy, int clients, double warmUp, double seconds, ServiceStats stats, Connector connector) throws Exception {
        AtomicBoolean measuring = new AtomicBoolean(false), stop = new AtomicBoolean(false);
        List<Future<long[]>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    long[] lat = new long[1 << 10]; // grown as needed: 64 clients' 1 MiB arrays were humongous objects, each a GC trigger
                    int n = 0, k = client * 7919;
                    try (Connection conn = connector.open(client)) {
                        while (!stop.get()) {
                            long t0 = System.nanoTime();
                            conn.call(k++);
                            long dt = System.nanoTime() - t0;
                            if (measuring.get()) {
                                if (n == lat.length) lat = Arrays.copyOf(lat, 2 * n);
                                lat[n++] = dt;
                            }
                        }
                    }
                    return Arrays.copyOf(lat, n);
                }));
            }
            Thread.sleep((long) (warmUp * 1000)); // JIT, connections, the batcher's steady state
            Snapshot s0 = new Snapshot(stats);
            measuring.set(true);
            Thread.sleep((long) (seconds * 1000));
            measuring.set(false);
            Snapshot s1 = new Snapshot(stats);
            stop.set(true);
            List<long[]> all = new ArrayList<>();
            for (Future<long[]> f : results) all.add(f.get());
            long[] lat = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            double elapsed = (s1.nanos - s0.nanos) * 1e-9;
            int n = Math.max(1, lat.length);
            double mean = Arrays.stream(lat).average().orElse(Double.NaN) * 1e-6;
            Row row = new Row(mode, clients, policy, lat.length / elapsed, (s1.cpu - s0.cpu) * 1e3 / n, pct(lat, 0.5), pct(lat, 0.99), mean,
                    perCount(s1.queueSum - s0.queueSum, s1.queueCount - s0.queueCount) * 1e3,
                    perCount(s1.computeSum - s0.computeSum, s1.computeCount - s0.computeCount) * 1e3,
                    perCount(s1.rowsSum - s0.rowsSum, s1.rowsCount - s0.rowsCount),
                    (s1.alloc - s0.alloc) / 1024.0 / n, (s1.gcMs - s0.gcMs) / elapsed, lat.length, cpuSplit(s0, s1, n));
            System.err.printf(Locale.ROOT, "%s clients=%d %s: %.0f req/s, %.3f CPU-ms/req, p50 %.2f p99 %.2f mean %.2f ms; queue %.2f ms, sweep %.2f ms × %.1f rows; "
                            + "%.0f KiB/req, GC %.1f ms/s (%d); CPU-ms/req by thread: %s%n", mode, clients, policy, row.perSecond, row.cpuMs, row.p50, row.p99, row.mean,
                    row.queueMs, row.sweepMs, row.rowsPerSweep, row.allocKb, row.gcMsPerS, row.n, row.cpuSplit);
            System.err.printf(Locale.ROOT, "  batches started: full %d, max wait %d, held until the front end was idle %d, held to the limit %d%n",
                    s1.launches.full() - s0.launches.full(), s1.launches.waited() - s0.launches.waited(),
                    s1.launches.idle() - s0.launches.idle(), s1.launches.bound() - s0.launches.bound());
            return row;
        }
    }

    /**
     * Thread CPU per request by group: {@code carriers} (the virtual threads: the clients),
     * {@code http} (the HTTP server's event loops: reading, parsing, answering),
     * {@code batcher} and {@code vector} (the sweeps: the batcher thread is worker 0),
     * {@code vm} (the rest of the process: GC, JIT).
     */
    private static String cpuSplit(Snapshot s0, Snapshot s1, int n) {
        StringBuilder b = new StringBuilder();
        double threads = 0;
        for (var e : s1.threadCpu.entrySet()) {
            double ms = (e.getValue() - s0.threadCpu.getOrDefault(e.getKey(), 0L)) * 1e-6 / n;
            threads += ms;
            if (ms >= 0.0005) b.append(String.format(Locale.ROOT, "%s %.3f, ", e.getKey(), ms));
        }
        return b.append(String.format(Locale.ROOT, "vm %.3f", (s1.cpu - s0.cpu) * 1e3 / n - threads)).toString();
    }

    /** CPU nanoseconds of the live platform threads, summed by group (see {@link #cpuSplit}). */
    private static Map<String, Long> threadCpu() {
        Map<String, Long> m = new TreeMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            var info = THREADS.getThreadInfo(id);
            long ns = THREADS.getThreadCpuTime(id);
            if (info == null || ns < 0) continue;
            String name = info.getThreadName();
            String group = name.startsWith("ForkJoinPool") ? "carriers" : name.startsWith("fusedrnn-batcher") ? "batcher"
                    : name.startsWith("fusedrnn-vector") ? "vector" : name.startsWith("fusedrnn-http") ? "http" : "other";
            m.merge(group, ns, Long::sum);
        }
        return m;
    }

    private static double perCount(double sum, long count) {
        return count == 0 ? Double.NaN : sum / count;
    }

    static double pct(long[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] * 1e-6;
    }

    /** Counters at one instant. */
    private static final class Snapshot {
        final long nanos = System.nanoTime();
        final Map<String, Long> threadCpu = threadCpu();
        final double cpu = cpuSeconds();
        final long alloc = THREADS.getTotalThreadAllocatedBytes();
        final long gcMs = gcMillis();
        final double queueSum, computeSum, rowsSum;
        final long queueCount, computeCount, rowsCount;
        final ServiceStats.Launches launches;

        Snapshot(ServiceStats s) {
            launches = s.launches();
            Histogram q = s.queueSeconds(), c = s.computeSeconds(), r = s.batchRows();
            queueSum = q.sum();
            queueCount = q.count();
            computeSum = c.sum();
            computeCount = c.count();
            rowsSum = r.sum();
            rowsCount = r.count();
        }
    }
}
