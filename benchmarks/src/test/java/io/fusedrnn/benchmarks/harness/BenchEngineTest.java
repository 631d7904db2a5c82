package io.fusedrnn.benchmarks.harness;

import io.fusedrnn.benchmarks.command.BenchCli;
import io.fusedrnn.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchEngineTest {

    /** The reference backend under another name, its trials wrapped by {@link #wrap}. */
    private abstract static class AroundReference implements Contender {
        private final Contender inner = new BackendContender(new ReferenceBackend());
        private final String name, description;

        AroundReference(String name, String description) {
            this.name = name;
            this.description = description;
        }

        abstract Trial wrap(Trial t);

        public String name() {
            return name;
        }

        public boolean isPeer() {
            return false;
        }

        public String description() {
            return description;
        }

        public String cannotRun(BenchCase c) {
            return null;
        }

        public Trial open(Problem p) {
            return wrap(inner.open(p));
        }

        public void close() {
            inner.close();
        }
    }

    /** A trial that passes everything to another. */
    private static class Forwarding implements Trial {
        final Trial t;

        Forwarding(Trial t) {
            this.t = t;
        }

        public Outputs outputs() {
            return t.outputs();
        }

        public void run() {
            t.run();
        }

        public InputGradients gradients() {
            return t.gradients();
        }

        public void close() {
            t.close();
        }
    }

    /** The reference backend with every output nudged: a wrong fast answer. */
    private static final class Wrong extends AroundReference {
        private final boolean atStart, gradientsOnly;

        Wrong(boolean atStart) {
            this(atStart, false);
        }

        Wrong(boolean atStart, boolean gradientsOnly) {
            super("wrong", "reference with nudged outputs");
            this.atStart = atStart;
            this.gradientsOnly = gradientsOnly;
        }

        Trial wrap(Trial t) {
            return new Forwarding(t) {
                @Override
                public Outputs outputs() {
                    Outputs o = t.outputs();
                    double[] y = o.y().clone();
                    if (!gradientsOnly) y[atStart ? 0 : y.length - 1] += 0.05;
                    return new Outputs(y, o.hN());
                }

                @Override
                public InputGradients gradients() {
                    InputGradients g = t.gradients();
                    double[] dx = g.dx().clone();
                    dx[atStart ? 0 : dx.length - 1] += 0.05;
                    return new InputGradients(dx, g.dh0());
                }
            };
        }
    }

    private static List<ResultRow> run(Contender... contenders) {
        return run("infer", contenders);
    }

    private static List<ResultRow> run(String mode, Contender... contenders) {
        return run(new String[] {"--cells", "lstm", "--shapes", "B=2,T=6,I=3,H=5", "--warmup", "0", "--runs", "3", "--mode", mode},
                contenders);
    }

    private static List<ResultRow> run(String[] args, Contender... contenders) {
        BenchOptions o = BenchCli.parse(args);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return new BenchEngine(o, List.of(contenders), new Progress(quiet, false, 1)).run();
    }

    @Test
    void aWrongAnswerIsAFailureNotAResult() {
        List<ResultRow> rows = run(new BackendContender(new ReferenceBackend()), new Wrong(true));
        ResultRow wrong = rows.stream().filter(r -> r.contender().equals("wrong")).findFirst().orElseThrow();
        assertEquals(ResultRow.Status.FAILED, wrong.status());
        assertTrue(wrong.reason().contains("wrong answer") && wrong.reason().contains("float64 reference"), wrong.reason());
        assertEquals(null, wrong.stats());
        ResultRow ref = rows.stream().filter(r -> r.contender().equals("reference")).findFirst().orElseThrow();
        assertEquals(ResultRow.Status.OK, ref.status());
        assertEquals(1.0, ref.ratioToFastest());
    }

    @Test
    void anErrorPastTheCheckedCornerIsCaughtByTheWholeRunComparison() {
        // the nudge is on the last step, outside the float64 corner (4 steps); the cross-check finds it
        List<ResultRow> rows = run(new BackendContender(new ReferenceBackend()), new Wrong(false));
        ResultRow wrong = rows.stream().filter(r -> r.contender().equals("wrong")).findFirst().orElseThrow();
        assertEquals(ResultRow.Status.FAILED, wrong.status());
        assertTrue(wrong.reason().contains("reference's over the whole run"), wrong.reason());
    }

    @Test
    void wrongInputGradientsAreAFailureInTrainMode() {
        for (boolean atStart : new boolean[] {true, false}) {
            List<ResultRow> rows = run("train", new BackendContender(new ReferenceBackend()), new Wrong(atStart, true));
            ResultRow wrong = rows.stream().filter(r -> r.contender().equals("wrong")).findFirst().orElseThrow();
            assertEquals(ResultRow.Status.FAILED, wrong.status());
            assertTrue(wrong.reason().contains("wrong gradients") || wrong.reason().contains("dx/dh0"), wrong.reason());
            assertEquals(ResultRow.Status.OK, rows.getFirst().status());
        }
    }

    @Test
    void namedRunsAreExactAndAFastCaseOtherwiseFillsItsSecond() {
        ResultRow named = run(new BackendContender(new ReferenceBackend())).getFirst();
        assertEquals(3, named.stats().runs());
        // a reference run of this tiny case takes microseconds: without --runs it goes on to MAX_RUNS
        String[] unnamed = {"--cells", "lstm", "--shapes", "B=2,T=6,I=3,H=5", "--warmup", "0"};
        ResultRow filled = run(unnamed, new BackendContender(new ReferenceBackend())).getFirst();
        assertEquals(BenchOptions.MAX_RUNS, filled.stats().runs());
    }

    /** The reference backend under another name, noting when each of its runs starts and ends in a shared log. */
    private static final class Logged extends AroundReference {
        private final List<long[]> log;
        private final List<String> who;

        Logged(String name, List<long[]> log, List<String> who) {
            super(name, "reference, logged");
            this.log = log;
            this.who = who;
        }

        Trial wrap(Trial t) {
            return new Forwarding(t) {
                @Override
                public void run() {
                    long t0 = System.nanoTime();
                    t.run();
                    log.add(new long[] {t0, System.nanoTime()});
                    who.add(name());
                }
            };
        }
    }

    @Test
    void aTimedRunAfterAnotherContendersWaitsTheSettlePauseAndOneAfterItsOwnDoesNot() {
        List<long[]> log = new java.util.ArrayList<>();
        List<String> who = new java.util.ArrayList<>();
        String[] args = {"--cells", "lstm", "--shapes", "B=2,T=6,I=3,H=5", "--warmup", "0", "--runs", "4", "--settle-ms", "300"};
        run(args, new Logged("a", log, who), new Logged("b", log, who));
        // the last 8 runs are the timed ones, in rotating order: a b, b a, a b, b a
        int n = log.size(), pausesAfterOther = 0, sameBackToBack = 0;
        for (int i = n - 7; i < n; i++) {
            long gap = log.get(i)[0] - log.get(i - 1)[1];
            if (!who.get(i).equals(who.get(i - 1))) {
                assertTrue(gap >= 300_000_000L, "run " + i + " after another contender's began " + gap + " ns after it");
                pausesAfterOther++;
            } else {
                assertTrue(gap < 300_000_000L, "run " + i + " after its own waited " + gap + " ns");
                sameBackToBack++;
            }
        }
        assertEquals(4, pausesAfterOther, who.subList(n - 8, n).toString());
        assertEquals(3, sameBackToBack, who.subList(n - 8, n).toString());
    }

    @Test
    void statisticsAreOrderStatisticsOfTheRuns() {
        Stats s = Stats.ofNanos(new long[] {5_000_000, 1_000_000, 3_000_000, 2_000_000, 4_000_000}, 5);
        assertEquals(3.0, s.median(), 1e-12);
        assertEquals(2.0, s.q1(), 1e-12);
        assertEquals(4.0, s.q3(), 1e-12);
        assertEquals(1.0, s.min(), 1e-12);
        assertEquals(5.0, s.max(), 1e-12);
    }
}
