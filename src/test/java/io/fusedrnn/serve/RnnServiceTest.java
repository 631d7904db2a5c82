package io.fusedrnn.serve;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RnnServiceTest {
    private static final int CLIENTS = 8, PER_CLIENT = 24;

    @Test
    void concurrentAnswersEqualEachSequenceRunAloneBitwiseOnReference() throws Exception {
        everyAnswerIsBitwiseTheSequenceAlone("reference", RnnConfig.lstm(5, 7, 3, 2, true), 0, 0, Precision.FP32);
    }

    @Test
    void concurrentAnswersEqualEachSequenceRunAloneBitwiseOnVector() throws Exception {
        everyAnswerIsBitwiseTheSequenceAlone("vector", RnnConfig.lstm(5, 13, 0, 1, true), 8, 0, Precision.FP32);
    }

    /**
     * Step-level batching: rows join and leave every few steps, each carrying its state; answers still
     * bitwise on the fp64 reference and on the vector backend (LSTM with two layers, GRU with the
     * linear-before-reset variant).
     */
    @Test
    void segmentedAnswersEqualEachSequenceRunAloneBitwise() throws Exception {
        record Case(String backend, RnnConfig cfg, int sweepCost, int segment, Precision precision) {
        }
        for (Case c : List.of(
                new Case("reference", RnnConfig.lstm(5, 7, 3, 2, false), 0, 3, Precision.FP64),
                new Case("reference", RnnConfig.gru(5, 6, 2, false, false), 0, 4, Precision.FP64),
                new Case("vector", RnnConfig.lstm(5, 13, 0, 2, false), 8, 3, Precision.FP32),
                new Case("vector", RnnConfig.gru(5, 13, 1, false, true), 8, 5, Precision.FP32))) {
            everyAnswerIsBitwiseTheSequenceAlone(c.backend(), c.cfg(), c.sweepCost(), c.segment(), c.precision());
        }
    }

    /**
     * The reference backend keeps a sweep's state in double even for an fp32 model and rounds only
     * what it stores, so a state carried from one segment to the next is rounded where the whole
     * sequence's is not: within fp32 rounding here, not bitwise (measured: 6.0e-8 at most, one
     * ulp of values below 1; the tolerance is four such ulps).
     */
    @Test
    void segmentedAnswersAreWithinFp32RoundingOnTheFp32Reference() throws Exception {
        everyAnswerIsBitwiseTheSequenceAlone("reference", RnnConfig.lstm(5, 7, 3, 2, false), 0, 3, Precision.FP32, 2.4e-7);
    }

    @Test
    void concurrentAnswersEqualEachSequenceRunAloneBitwiseOnOpenCl() throws Exception {
        try {
            Backends.open("opencl").close();
        } catch (BackendUnavailableException e) {
            if ("1".equals(System.getenv("FUSEDRNN_REQUIRE_OPENCL"))) throw e;
            Assumptions.abort("no OpenCL platform: " + e.getMessage());
        }
        everyAnswerIsBitwiseTheSequenceAlone("opencl", RnnConfig.lstm(5, 13, 0, 1, true), 2, 0, Precision.FP32);
        everyAnswerIsBitwiseTheSequenceAlone("opencl", RnnConfig.lstm(5, 13, 0, 1, false), 2, 3, Precision.FP32);
    }

    /**
     * CLIENTS threads each submit PER_CLIENT requests of random length (1..12), with random initial
     * states and output sets; every answer must be bitwise the B = 1 run of that sequence, and every
     * request answered exactly once. With {@code segment} above 0 (unidirectional models) rows advance
     * that many steps per sweep, so each row is in ceil(T / segment) sweeps. No warm-up: a result's
     * bits do not depend on what the JIT has compiled (README, Determinism; until round 18 the vector
     * backend's first sweeps could move a last bit, and this test warmed up and retried once).
     */
    private void everyAnswerIsBitwiseTheSequenceAlone(String backend, RnnConfig cfg, int sweepCost, int segment, Precision precision) throws Exception {
        everyAnswerIsBitwiseTheSequenceAlone(backend, cfg, sweepCost, segment, precision, 0);
    }

    /** As above, each value within {@code tolerance} of the row run alone (0: bitwise). */
    private void everyAnswerIsBitwiseTheSequenceAlone(String backend, RnnConfig cfg, int sweepCost, int segment, Precision precision,
                                                      double tolerance) throws Exception {
        long seed = 14L + cfg.hashCode();
        RnnModel model = RnnModel.random(cfg, seed);
        boolean lstm = cfg.cell().gates() == 4;
        try (Backend be = Backends.open(backend); PreparedRnn rnn = model.prepare(be, precision)) {
            ServiceOptions opts = ServiceOptions.DEFAULTS.withMaxBatch(16).withMaxWait(Duration.ofMillis(5)).withSweepCost(sweepCost).withSegmentSteps(segment);
            List<RnnRequest> requests = new ArrayList<>();
            List<Future<RnnResult>> answers = new ArrayList<>();
            RnnService service = new RnnService(rnn, opts);
            try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
                Random r = new Random(seed);
                for (int i = 0; i < CLIENTS * PER_CLIENT; i++) {
                    RnnRequest q = RnnRequest.of(ServeFixtures.matrix(r, 1 + r.nextInt(12), cfg.inputSize()));
                    if (r.nextInt(3) == 0) q = q.withStates(ServeFixtures.matrix(r, cfg.sweeps(), cfg.outputSize()),
                            lstm && r.nextBoolean() ? ServeFixtures.matrix(r, cfg.sweeps(), cfg.hiddenSize()) : null);
                    if (r.nextInt(3) == 0) q = q.withOutputs(Output.H_N);
                    requests.add(q);
                }
                List<Future<List<CompletableFuture<RnnResult>>>> perClient = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    List<RnnRequest> mine = requests.subList(c * PER_CLIENT, (c + 1) * PER_CLIENT);
                    perClient.add(clients.submit(() -> {
                        List<CompletableFuture<RnnResult>> fs = new ArrayList<>();
                        for (RnnRequest q : mine) {
                            fs.add(service.submit(q));
                            Thread.sleep(0, 200_000);
                        }
                        return fs;
                    }));
                }
                for (Future<List<CompletableFuture<RnnResult>>> f : perClient) answers.addAll(f.get());
                for (Future<RnnResult> f : answers) f.get(30, TimeUnit.SECONDS);
            } finally {
                service.close(); // counts are final once the batcher has stopped
            }
            ServiceStats s = service.stats();
            ServiceStats.Counts n = s.counts();
            assertEquals(requests.size(), n.accepted());
            assertEquals(requests.size(), n.answered(), "answered");
            long rowSweeps = 0;
            for (RnnRequest q : requests) rowSweeps += segment == 0 ? 1 : (q.x().length + segment - 1) / segment;
            assertEquals(rowSweeps, s.batchRows().sum(), 0.0, "rows over all sweeps");
            assertTrue(n.sweeps() < rowSweeps, "requests were batched: " + n.sweeps() + " sweeps for " + rowSweeps + " rows");
            for (int i = 0; i < requests.size(); i++) {
                RnnRequest q = requests.get(i);
                RnnResult got = answers.get(i).get(), want = ServeFixtures.alone(rnn, q);
                String where = backend + " " + cfg.describe() + " seed " + seed + " request " + i + " T=" + q.x().length;
                boolean onlyH = q.outputs() != null && !q.outputs().contains(Output.Y);
                if (onlyH) {
                    assertNull(got.y(), where);
                    assertNull(got.cN(), where);
                } else {
                    assertClose(want.y(), got.y(), tolerance, "y " + where);
                    if (lstm) assertClose(want.cN(), got.cN(), tolerance, "c_n " + where);
                    else assertNull(got.cN(), where);
                }
                assertClose(want.hN(), got.hN(), tolerance, "h_n " + where);
            }
        }
    }

    private static void assertClose(float[][] want, float[][] got, double tolerance, String where) {
        if (tolerance == 0) {
            assertArrayEquals(want, got, where);
            return;
        }
        assertEquals(want.length, got.length, where);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i].length, got[i].length, where);
            for (int j = 0; j < want[i].length; j++) worst = Math.max(worst, Math.abs(want[i][j] - got[i][j]));
        }
        assertTrue(worst <= tolerance, where + ": differs by " + worst + ", expected at most " + tolerance);
    }

    @Test
    void aFullQueueRejectsWithQueueFullException() throws Exception {
        try (Backend be = Backends.open("reference"); PreparedRnn rnn = RnnModel.random(RnnConfig.lstm(64, 64, 0, 1, false), 1).prepare(be, Precision.FP32)) {
            RnnService service = new RnnService(rnn, new ServiceOptions(1, Duration.ZERO, 2, 8));
            Random r = new Random(2);
            List<CompletableFuture<RnnResult>> accepted = new ArrayList<>();
            accepted.add(service.submit(ServeFixtures.matrix(r, 2000, 64))); // keeps the batcher busy for a while
            int rejected = 0;
            for (int i = 0; i < 4; i++) {
                try {
                    accepted.add(service.submit(ServeFixtures.matrix(r, 1, 64)));
                } catch (QueueFullException e) {
                    rejected++;
                    assertTrue(e.getMessage().startsWith("queue: expected fewer than 2 waiting requests"), e.getMessage());
                }
            }
            assertTrue(accepted.size() <= 3 && rejected >= 2, accepted.size() + " accepted, " + rejected + " rejected");
            assertEquals(rejected, service.stats().counts().rejected());
            for (CompletableFuture<RnnResult> f : accepted) f.get(30, TimeUnit.SECONDS);
            service.close();
            assertEquals(accepted.size(), service.stats().counts().answered());
        }
    }

    @Test
    void timedOutAndCancelledRequestsAreSkippedAndCounted() throws Exception {
        try (Backend be = Backends.open("reference"); PreparedRnn rnn = RnnModel.random(RnnConfig.lstm(64, 64, 0, 1, false), 1).prepare(be, Precision.FP32)) {
            RnnService service = new RnnService(rnn, new ServiceOptions(1, Duration.ZERO, 10, 8).withSegmentSteps(0));
            Random r = new Random(3);
            CompletableFuture<RnnResult> slow = service.submit(ServeFixtures.matrix(r, 2000, 64));
            CompletableFuture<RnnResult> late = service.submit(RnnRequest.of(ServeFixtures.matrix(r, 3, 64)).withTimeout(Duration.ofMillis(1)));
            CompletableFuture<RnnResult> dropped = service.submit(ServeFixtures.matrix(r, 3, 64));
            assertTrue(dropped.cancel(true));
            ExecutionException e = assertThrows(ExecutionException.class, () -> late.get(10, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertThrows(CancellationException.class, dropped::join);
            slow.get(30, TimeUnit.SECONDS);
            service.close();
            assertEquals(1, service.stats().counts().timedOut());
            assertEquals(1, service.stats().counts().cancelled());
            assertEquals(1, service.stats().counts().answered());
            assertEquals(1, service.stats().counts().sweeps(), "only the slow request ran");
        }
    }

    /**
     * Step-level batching pads a segment of more than 8 rows to a multiple of 8 with rows of length 0
     * (their x and states zero): 11 requests queued together run as one 16-row sweep per segment, and
     * each answer is still bitwise its sequence alone.
     */
    @Test
    void aPaddedSegmentGivesEachRowItsOwnResult() throws Exception {
        RnnConfig cfg = RnnConfig.lstm(5, 13, 0, 2, false);
        try (Backend be = Backends.open("vector"); PreparedRnn rnn = RnnModel.random(cfg, 21).prepare(be, Precision.FP32)) {
            ServiceOptions opts = ServiceOptions.DEFAULTS.withMaxBatch(16).withMaxWait(Duration.ofMillis(200)).withSegmentSteps(4);
            Random r = new Random(22);
            List<RnnRequest> requests = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                requests.add(RnnRequest.of(ServeFixtures.matrix(r, 1 + r.nextInt(14), cfg.inputSize()))
                        .withStates(ServeFixtures.matrix(r, cfg.sweeps(), cfg.outputSize()), ServeFixtures.matrix(r, cfg.sweeps(), cfg.hiddenSize())));
            }
            List<CompletableFuture<RnnResult>> answers = new ArrayList<>();
            try (RnnService service = new RnnService(rnn, opts)) {
                for (RnnRequest q : requests) answers.add(service.submit(q));
                for (int i = 0; i < requests.size(); i++) {
                    RnnResult got = answers.get(i).get(30, TimeUnit.SECONDS), want = ServeFixtures.alone(rnn, requests.get(i));
                    assertArrayEquals(want.y(), got.y(), "y of request " + i);
                    assertArrayEquals(want.hN(), got.hN(), "h_n of request " + i);
                    assertArrayEquals(want.cN(), got.cN(), "c_n of request " + i);
                }
                Histogram rows = service.stats().batchRows(); // buckets 1, 2, 4, 8, 16, …: index 3 counts segments of at most 8 rows
                assertEquals(8.0, rows.bounds()[3]);
                assertTrue(rows.count() - rows.cumulative()[3] >= 1, "a segment of more than 8 rows (padded to 16) ran");
            }
        }
    }

    /**
     * Step-level batching: a row whose future times out or is cancelled while it is in flight leaves
     * at the next segment, and a request queued behind it (max batch 1) then runs.
     */
    @Test
    void aRowInFlightThatTimesOutLeavesAtTheNextSegment() throws Exception {
        try (Backend be = Backends.open("reference"); PreparedRnn rnn = RnnModel.random(RnnConfig.lstm(64, 64, 0, 1, false), 1).prepare(be, Precision.FP32)) {
            int steps = 20_000, segment = 16; // about a second on the reference backend, against a 50 ms timeout
            RnnService service = new RnnService(rnn, new ServiceOptions(1, Duration.ZERO, 10, 8).withSegmentSteps(segment));
            Random r = new Random(6);
            CompletableFuture<RnnResult> slow = service.submit(RnnRequest.of(ServeFixtures.matrix(r, steps, 64)).withTimeout(Duration.ofMillis(50)));
            while (service.stats().counts().sweeps() == 0) Thread.sleep(1);
            RnnRequest quick = RnnRequest.of(ServeFixtures.matrix(r, 3, 64));
            CompletableFuture<RnnResult> next = service.submit(quick);
            ExecutionException e = assertThrows(ExecutionException.class, () -> slow.get(10, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
            RnnResult got = next.get(30, TimeUnit.SECONDS);
            long sweeps = service.stats().counts().sweeps();
            assertTrue(sweeps < steps / segment + 1, sweeps + " sweeps: the timed-out row ran to its end");
            assertArrayEquals(ServeFixtures.alone(rnn, quick).hN(), got.hN(), "the request behind it");

            CompletableFuture<RnnResult> cancelled = service.submit(ServeFixtures.matrix(r, steps, 64));
            long before = service.stats().counts().sweeps();
            while (service.stats().counts().sweeps() < before + 2) Thread.sleep(1);
            assertTrue(cancelled.cancel(true));
            service.submit(ServeFixtures.matrix(r, 2, 64)).get(30, TimeUnit.SECONDS);
            service.close();
            assertTrue(service.stats().counts().sweeps() - before < steps / segment + 1, "the cancelled row left early");
            assertEquals(1, service.stats().counts().timedOut());
            assertEquals(1, service.stats().counts().cancelled());
            assertEquals(2, service.stats().counts().answered());
        }
    }

    /**
     * The hold: with the front end's count above zero a ready batch waits (maxWait is 0 here), requests
     * submitted meanwhile join it, and it starts once the count falls to zero; with the count stuck it
     * waits no longer than the previous batch took, and with maxHold 0 it does not wait.
     */
    @Test
    void aReadyBatchWaitsForTheFrontEndButNoLongerThanThePreviousBatchTook() throws Exception {
        try (Backend be = Backends.open("reference"); PreparedRnn rnn = RnnModel.random(RnnConfig.lstm(64, 64, 0, 1, false), 1).prepare(be, Precision.FP32)) {
            Random r = new Random(5);
            RnnService service = new RnnService(rnn, new ServiceOptions(8, Duration.ZERO, 10, 8, Duration.ofSeconds(30), 0));
            long t0 = System.nanoTime();
            service.submit(ServeFixtures.matrix(r, 2000, 64)).get(30, TimeUnit.SECONDS); // a slow batch: the next may be held as long
            long slowNanos = System.nanoTime() - t0;
            service.frontEndWork.incrementAndGet(); // as if the HTTP server were reading a request
            CompletableFuture<RnnResult> first = service.submit(ServeFixtures.matrix(r, 3, 64));
            Thread.sleep(Math.min(50, slowNanos / 4_000_000));
            assertTrue(!first.isDone(), "held while the front end has work");
            CompletableFuture<RnnResult> second = service.submit(ServeFixtures.matrix(r, 5, 64));
            service.frontEndWork.decrementAndGet();
            first.get(10, TimeUnit.SECONDS);
            second.get(10, TimeUnit.SECONDS);
            assertEquals(2, service.stats().counts().sweeps(), "the request submitted during the hold joined the held batch");
            assertEquals(new ServiceStats.Launches(0, 1, 1, 0), service.stats().launches(), "the slow batch by max wait, the held one once the front end was idle");

            service.frontEndWork.incrementAndGet(); // stuck above zero: the previous batch (two short rows) bounds the hold
            long t1 = System.nanoTime();
            service.submit(ServeFixtures.matrix(r, 3, 64)).get(10, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - t1 < 5e9, "held " + (System.nanoTime() - t1) / 1e6 + " ms, expected about the previous batch's time");
            service.close();
            assertEquals(4, service.stats().counts().answered());
            assertEquals(new ServiceStats.Launches(0, 1, 1, 1), service.stats().launches(), "the third batch held to the limit");

            RnnService never = new RnnService(rnn, new ServiceOptions(8, Duration.ZERO, 10, 8, Duration.ZERO, 0));
            never.submit(ServeFixtures.matrix(r, 2000, 64)).get(30, TimeUnit.SECONDS);
            never.frontEndWork.incrementAndGet();
            long t2 = System.nanoTime();
            never.submit(ServeFixtures.matrix(r, 3, 64)).get(10, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - t2 < slowNanos / 2, "maxHold 0: not held (" + (System.nanoTime() - t2) / 1e6 + " ms)");
            never.close();
        }
    }

    @Test
    void closeAnswersEverythingAcceptedAndRejectsLaterSubmits() throws Exception {
        try (Backend be = Backends.open("reference"); PreparedRnn rnn = RnnModel.random(RnnConfig.gru(4, 6, 1, false, true), 1).prepare(be, Precision.FP32)) {
            RnnService service = new RnnService(rnn, ServiceOptions.DEFAULTS.withMaxBatch(4));
            Random r = new Random(4);
            List<CompletableFuture<RnnResult>> fs = new ArrayList<>();
            for (int i = 0; i < 50; i++) fs.add(service.submit(ServeFixtures.matrix(r, 1 + r.nextInt(20), 4)));
            service.close();
            for (CompletableFuture<RnnResult> f : fs) assertTrue(f.isDone() && !f.isCompletedExceptionally());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> service.submit(ServeFixtures.matrix(r, 1, 4)));
            assertEquals("service: closed; expected submits before close()", e.getMessage());
            service.close(); // twice is harmless
            assertEquals(50, service.stats().counts().answered());
        }
    }

    @Test
    void malformedRequestsAreRefusedWithOneLineNamingTheField() {
        try (Backend be = Backends.open("reference"); PreparedRnn rnn = RnnModel.random(RnnConfig.gru(3, 4, 2, false, true), 1).prepare(be, Precision.FP32);
             RnnService service = new RnnService(rnn, ServiceOptions.DEFAULTS)) {
            assertRefused(service, RnnRequest.of(new float[0][]), "x: expected T >= 1 steps, found an empty sequence");
            assertRefused(service, RnnRequest.of(null), "x: expected [T][3] floats, found null");
            assertRefused(service, RnnRequest.of(new float[][] {{1, 2, 3}, {1, 2}}), "x[1]: expected 3 floats (I), found 2");
            assertRefused(service, RnnRequest.of(new float[][] {{1, 2, 3}}).withStates(new float[1][4], null), "h0: expected 2 rows (L·D), found 1");
            assertRefused(service, RnnRequest.of(new float[][] {{1, 2, 3}}).withStates(null, new float[2][4]),
                    "c0: expected none for a GRU (no cell state), found 2 rows");
            assertRefused(service, RnnRequest.of(new float[][] {{1, 2, 3}}).withOutputs(Output.C_N),
                    "outputs: expected \"y\" or \"h_n\" for a GRU (no cell state), found \"c_n\"");
            assertRefused(service, new RnnRequest(new float[][] {{1, 2, 3}}, null, null, EnumSet.noneOf(Output.class), null),
                    "outputs: expected at least one of \"y\", \"h_n\", found none");
            assertEquals(0, service.stats().counts().accepted());
        }
    }

    private static void assertRefused(RnnService s, RnnRequest q, String message) {
        assertEquals(message, assertThrows(FusedRnnException.class, () -> s.submit(q)).getMessage());
    }

    @Test
    void bucketsSplitASortedBatchOnlyWherePaddingOutweighsASweep() {
        assertArrayEquals(new int[] {0, 3, 5}, Buckets.split(new int[] {1, 1, 2, 100, 100}, 3));
        assertArrayEquals(new int[] {0, 2, 3, 5}, Buckets.split(new int[] {1, 1, 2, 100, 100}, 1));
        assertArrayEquals(new int[] {0, 5}, Buckets.split(new int[] {1, 1, 2, 100, 100}, Integer.MAX_VALUE));
        assertArrayEquals(new int[] {0, 4}, Buckets.split(new int[] {50, 50, 51, 52}, 8));
        assertArrayEquals(new int[] {0, 2, 3, 4}, Buckets.split(new int[] {5, 5, 6, 7}, 0));
        assertArrayEquals(new int[] {0, 1}, Buckets.split(new int[] {9}, 0));
    }
}
