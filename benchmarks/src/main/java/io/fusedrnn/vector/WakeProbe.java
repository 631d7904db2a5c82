package io.fusedrnn.vector;

import java.util.Arrays;

/**
 * How long the vector backend's second worker takes to start a job after the pool has been idle
 * (round 14): worker 0 times {@link WorkerPool#run} from its call to worker 1's first instruction of
 * the job, after gaps of 0 µs to 3 ms spent spinning or sleeping. An idle worker spins, then yields,
 * then parks (WorkerPool); once parked, its wake-up is the operating system's (and on a virtual
 * machine the hypervisor's) latency, which a B = 1 sweep of under a millisecond pays at its start.
 * Usage: {@code WakeProbe [runs]} (default 300 per gap).
 */
public final class WakeProbe {
    private WakeProbe() {
    }

    /** Runs the probe; see the class comment. */
    public static void main(String[] args) throws InterruptedException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        WorkerPool pool = new WorkerPool(2);
        try {
            for (long gapMicros : new long[]{0, 200, 1000, 3000}) {
                long[] delay = new long[n];
                for (int r = -50; r < n; r++) {
                    if (gapMicros >= 1000) Thread.sleep(gapMicros / 1000);
                    long until = System.nanoTime() + (gapMicros < 1000 ? gapMicros * 1000 : 0);
                    while (System.nanoTime() < until) Thread.onSpinWait();
                    long[] start = new long[2];
                    long t0 = System.nanoTime();
                    pool.run(w -> start[w] = System.nanoTime());
                    if (r >= 0) delay[r] = start[1] - t0;
                }
                Arrays.sort(delay);
                System.out.printf("after %4d us %s: worker 1 starts %6.1f us after run() (median), p90 %6.1f us%n", gapMicros,
                        gapMicros >= 1000 ? "asleep " : "spinning", delay[n / 2] / 1e3, delay[n * 9 / 10] / 1e3);
            }
        } finally {
            pool.shutdown();
        }
    }
}
