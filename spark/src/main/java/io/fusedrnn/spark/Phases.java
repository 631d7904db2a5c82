package io.fusedrnn.spark;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Wall-clock marks of a spark-infer run's phases since the JVM started ("session 4.1 s, planned 0.6 s, …"), for --verbose. */
final class Phases {
    private final long start = ManagementFactory.getRuntimeMXBean().getStartTime();
    private long last = start;
    private final List<String> marks = new ArrayList<>();

    /** Ends the phase named {@code name} now. */
    synchronized void mark(String name) {
        long now = System.currentTimeMillis();
        marks.add(String.format(Locale.ROOT, "%s %.2f s", name, (now - last) / 1e3));
        last = now;
    }

    @Override
    public synchronized String toString() {
        return "phases since the JVM started: " + String.join(", ", marks) + String.format(Locale.ROOT, " (%.2f s in all)", (last - start) / 1e3);
    }
}
