package io.fusedrnn.cli;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.NpyWriter;
import io.fusedrnn.io.SafetensorsFile;
import io.fusedrnn.model.Fixtures;
import io.fusedrnn.model.RnnConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code infer} in batch chunks: every output file is byte for byte the one-shot run's, for every
 * chunk size, layout and backend that opens; progress appears only on long runs, redrawn only on a
 * terminal.
 */
class InferStreamingTest extends InferRun {
    /** A 2-layer bidirectional LSTM with projection, random x [T, B, I] (or [B, T, I]), h0, c0 and lengths. */
    private Path stage(boolean batchFirst, int steps, int batch) {
        Path w = Fixtures.path("pytorch/lstm_proj_l2_bi_lengths.weights.safetensors");
        int in, n = 4, out, hidden;
        try (SafetensorsFile f = SafetensorsFile.open(w)) {
            in = f.entry("weight_ih_l0").shape()[1];
            out = f.entry("weight_hr_l0").shape()[0];
            hidden = f.entry("weight_hr_l0").shape()[1];
        }
        Random r = new Random(7);
        NpyWriter.write(dir.resolve("x.npy"), random(r, batchFirst ? new int[] {batch, steps, in} : new int[] {steps, batch, in}), Precision.FP32);
        NpyWriter.write(dir.resolve("h0.npy"), random(r, n, batch, out), Precision.FP32);
        NpyWriter.write(dir.resolve("c0.npy"), random(r, n, batch, hidden), Precision.FP64);
        long[] len = new long[batch];
        for (int b = 0; b < batch; b++) len[b] = r.nextInt(steps + 1);
        len[batch / 2] = steps;
        NpyWriter.writeLongs(dir.resolve("len.npy"), len, batch);
        return w;
    }

    private static NdArray random(Random r, int... shape) {
        double[] v = new double[Math.toIntExact(NdArray.elementCount(shape))];
        for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian();
        return new NdArray(shape, v);
    }

    /** Runs infer and returns the bytes of y, h_n and c_n. */
    private List<byte[]> run(Path w, String backend, String rows, boolean batchFirst) throws IOException {
        List<String> args = new ArrayList<>(List.of("--weights", w.toString(), "--input", p("x.npy"), "--output", p("y.npy"),
                "--h0", p("h0.npy"), "--c0", p("c0.npy"), "--lengths", p("len.npy"), "--hn", p("hn.npy"), "--cn", p("cn.npy"),
                "--backend", backend, "--chunk-rows", rows));
        if (batchFirst) args.add("--batch-first");
        assertEquals(0, infer(args.toArray(String[]::new)), stderr);
        return List.of(Files.readAllBytes(dir.resolve("y.npy")), Files.readAllBytes(dir.resolve("hn.npy")), Files.readAllBytes(dir.resolve("cn.npy")));
    }

    private String p(String f) {
        return dir.resolve(f).toString();
    }

    @Test
    void chunkedOutputsAreByteForByteTheOneShotOnEveryBackend() throws IOException {
        int steps = 6, batch = 9;
        for (boolean batchFirst : new boolean[] {false, true}) {
            Path w = stage(batchFirst, steps, batch);
            for (String backend : Fixtures.BACKENDS) {
                try (var b = Backends.open(backend)) {
                    System.err.println("streaming test: backend " + b.name() + " available");
                } catch (BackendUnavailableException e) {
                    continue;
                }
                // no warm-up: every backend's bits are the same from the first sweep on, whatever the JIT has
                // compiled (README, Determinism)
                List<byte[]> whole = run(w, backend, "0", batchFirst);
                for (String rows : new String[] {"1", "2", "4", "8"}) {
                    // y staged one step (batch-first: one row) at a time, not the whole chunk at once
                    InferRunner.stagingValues = rows.equals("8") ? 1 : InferRunner.STAGING_VALUES;
                    List<byte[]> chunked;
                    try {
                        chunked = run(w, backend, rows, batchFirst);
                    } finally {
                        InferRunner.stagingValues = InferRunner.STAGING_VALUES;
                    }
                    String what = backend + (batchFirst ? " batch-first" : "") + " --chunk-rows " + rows
                            + (rows.equals("8") ? ", y staged a step or row at a time" : "");
                    assertArrayEquals(whole.get(0), chunked.get(0), what + ": y");
                    assertArrayEquals(whole.get(1), chunked.get(1), what + ": h_n");
                    assertArrayEquals(whole.get(2), chunked.get(2), what + ": c_n");
                }
            }
        }
        assertEquals(List.of("c0.npy", "cn.npy", "h0.npy", "hn.npy", "len.npy", "x.npy", "y.npy"), listing(), "no temporary files left");
    }

    @Test
    void theDefaultChunkKeepsWithinTheBudgetInWholeTiles() {
        RnnConfig small = RnnConfig.lstm(256, 256, 0, 1, false);
        assertEquals(64, InferRunner.chunkRows(small, 100, 64, Precision.FP32), "a small batch is one chunk");
        int rows = InferRunner.chunkRows(small, 100, 2048, Precision.FP32);
        long perRow = 100L * 4 * (256 + 3 * 256 + 4 * 256);
        assertTrue(rows * perRow <= InferRunner.DEFAULT_BUDGET_BYTES && rows >= 1, "rows " + rows);
        long most = InferRunner.DEFAULT_BUDGET_BYTES / perRow / 16 * 16, chunks = (2048 + most - 1) / most;
        assertEquals(0, rows % 16, "whole 16-row groups: " + rows);
        assertTrue(rows * chunks >= 2048 && rows * (chunks - 1) < 2048, rows + " rows: " + chunks + " chunks, as few as the budget allows");
        assertEquals(1, InferRunner.chunkRows(RnnConfig.lstm(4096, 4096, 0, 4, true), 10_000, 8, Precision.FP64), "never below one row");
    }

    @Test
    void aFailedRunLeavesNoOutputAndNoTemporaryFile() throws IOException {
        Path w = stage(false, 4, 5);
        Files.writeString(dir.resolve("hn.npy"), "older output");
        // the model is an LSTM with c0 [4, 5, H]; a c0 of the wrong width fails after y's temporary file exists
        NpyWriter.write(dir.resolve("c0.npy"), new NdArray(new int[] {4, 5, 1}, new double[20]), Precision.FP32);
        assertEquals(2, infer("--weights", w.toString(), "--input", p("x.npy"), "--output", p("y.npy"), "--c0", p("c0.npy"),
                "--hn", p("hn.npy"), "--chunk-rows", "2"), stderr);
        assertFalse(Files.exists(dir.resolve("y.npy")));
        assertEquals("older output", Files.readString(dir.resolve("hn.npy")), "an existing file is untouched");
        assertEquals(List.of("c0.npy", "h0.npy", "hn.npy", "len.npy", "x.npy"), listing());
    }

    @Test
    void aChunkFailingWhileTheOneBeforeIsWrittenLeavesNoOutput() throws IOException {
        Path w = stage(false, 4, 5);
        // chunk rows 2: chunks start at rows 0, 2, 4; fail the run (a) as chunk 2 starts, while chunk 0's
        // outputs are being written, (b) in the writer, as chunk 2's outputs are about to be written
        for (boolean inWriter : new boolean[] {false, true}) {
            InferRunner.hook = (b0, writing) -> {
                if (b0 == 2 && writing == inWriter) throw new FusedRnnException("test: chunk at row 2 fails" + (writing ? " in the writer" : ""));
            };
            try {
                assertEquals(2, infer("--weights", w.toString(), "--input", p("x.npy"), "--output", p("y.npy"),
                        "--hn", p("hn.npy"), "--cn", p("cn.npy"), "--chunk-rows", "2"), stderr);
            } finally {
                InferRunner.hook = (b0, writing) -> { };
            }
            assertTrue(stderr.contains("test: chunk at row 2 fails" + (inWriter ? " in the writer" : "")), stderr);
            assertEquals(List.of("c0.npy", "h0.npy", "len.npy", "x.npy"), listing(), "no output and no temporary file");
        }
        assertEquals(0, infer("--weights", w.toString(), "--input", p("x.npy"), "--output", p("y.npy"), "--chunk-rows", "2"), stderr);
        assertTrue(Files.exists(dir.resolve("y.npy")), "the hook is gone: the same run succeeds");
    }

    @Test
    void progressIsQuietOnShortRunsRedrawnOnATerminalAndPlainLinesInALog() {
        ByteArrayOutputStream term = new ByteArrayOutputStream(), log = new ByteArrayOutputStream(), quick = new ByteArrayOutputStream();
        long s = 1_000_000_000L;
        InferProgress t = new InferProgress(new PrintStream(term, true, StandardCharsets.UTF_8), 100, true, 0);
        InferProgress l = new InferProgress(new PrintStream(log, true, StandardCharsets.UTF_8), 100, false, 0);
        InferProgress q = new InferProgress(new PrintStream(quick, true, StandardCharsets.UTF_8), 100, false, 0);
        for (int i = 1; i <= 40; i++) {
            t.update(i * 2, i * s / 2);
            l.update(i * 2, i * s / 2);
            q.update(i * 2, i * s / 40);
        }
        t.done(20 * s);
        l.done(20 * s);
        q.done(s);
        assertEquals("", quick.toString(StandardCharsets.UTF_8), "a run under two seconds prints nothing");
        String termText = term.toString(StandardCharsets.UTF_8), logText = log.toString(StandardCharsets.UTF_8);
        assertTrue(termText.startsWith("\rfusedrnn infer: 8/100 batch rows (8%)"), termText);
        assertTrue(termText.matches("(?s).*\\rfusedrnn infer: 100/100 batch rows \\(100%\\), 20\\.0 s +\n"), "padded over the longer line: " + termText);
        assertEquals(1, termText.split("\n", -1).length - 1, "one line, redrawn: " + termText);
        assertFalse(logText.contains("\r"), logText);
        List<String> lines = logText.lines().toList();
        assertEquals("fusedrnn infer: 8/100 batch rows (8%), 2.0 s, about 23 s left", lines.get(0));
        assertEquals(5, lines.size(), "at 2, 7, 12 and 17 s, and the end: " + lines);
        assertTrue(lines.get(lines.size() - 1).startsWith("fusedrnn infer: 100/100 batch rows (100%)"), lines.toString());
    }
}
