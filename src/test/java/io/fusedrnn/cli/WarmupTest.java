package io.fusedrnn.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's warm-up waits for the JIT, not for a fixed time. */
class WarmupTest {
    /** A simulated sweep on a simulated clock: slow while "the JIT compiles", then fast. */
    private static final class Jit {
        long now;
        long compiledAt; // compilation stops here, and runs are fast after it
        long compileMillis;

        void run() {
            boolean compiling = now < compiledAt;
            now += compiling ? 30_000_000L : 110_000L; // 30 ms interpreted, 0.11 ms compiled (the figures)
            if (compiling) compileMillis += 7;
        }
    }

    @Test
    void warmsUntilTheJitHasFinishedEvenWhenThatTakesLongerThanTheOldFixedTime() {
        Jit jit = new Jit();
        jit.compiledAt = 2_000_000_000L; // 2 s of compiling: the old 700 ms warm-up stopped at 30 ms per run
        int runs = new Warmup(() -> jit.now, () -> jit.compileMillis).warm(jit::run);
        assertTrue(jit.now >= jit.compiledAt, "stopped at " + jit.now / 1e6 + " ms, before the JIT was done");
        long before = jit.now;
        jit.run();
        assertEquals(110_000L, jit.now - before, "the first timed run is a compiled one");
        assertTrue(jit.now < jit.compiledAt + (Warmup.QUIET_MILLIS + 100) * 1_000_000L, "and not much longer: " + runs + " runs");
    }

    @Test
    void stopsAtTheCapWhenTheJitNeverSettles() {
        Jit jit = new Jit();
        jit.compiledAt = Long.MAX_VALUE;
        new Warmup(() -> jit.now, () -> jit.compileMillis).warm(jit::run);
        assertTrue(jit.now >= Warmup.MAX_MILLIS * 1_000_000L && jit.now < (Warmup.MAX_MILLIS + 100) * 1_000_000L, jit.now / 1e6 + " ms");
    }

    /**
     * {@code serve}'s form: a cap of its own, and the times alone decide (its client and server keep the
     * JIT busy long after the sweeps are compiled).
     */
    @Test
    void withoutTheQuietRuleFlatTimesEndItWhileTheJitStillCompiles() {
        // rounds that get faster as more of their code is compiled (as serve's do), 40 ms to 4 ms over 1 s
        long[] now = {0};
        Runnable round = () -> now[0] += now[0] < 1_000_000_000L ? 40_000_000L - 36L * now[0] / 1000 : 4_000_000L;
        long[] compile = {0};
        int runs = new Warmup(() -> now[0], () -> compile[0]++).warm(round, 5_000, 0); // a JIT that never settles
        assertTrue(now[0] >= 1_000_000_000L && now[0] < 1_200_000_000L, "stopped at " + now[0] / 1e6 + " ms after " + runs + " runs");
        Jit capped = new Jit();
        capped.compiledAt = Long.MAX_VALUE;
        new Warmup(() -> capped.now, () -> compile[0]++).warm(capped::run, 500, 0);
        assertTrue(capped.now >= 500_000_000L && capped.now < 600_000_000L, capped.now / 1e6 + " ms");
    }

    @Test
    void timesStillFallingAreNotFlat() {
        List<Long> falling = new ArrayList<>(), level = new ArrayList<>();
        for (int i = 0; i < 2 * Warmup.WINDOW; i++) {
            falling.add(1000L - 40L * i);
            level.add(1000L + (i % 3));
        }
        assertFalse(Warmup.flat(falling));
        assertTrue(Warmup.flat(level));
        assertFalse(Warmup.flat(level.subList(0, Warmup.WINDOW)), "too few runs to judge");
    }
}
