package io.fusedrnn.cli;

import io.fusedrnn.Precision;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.NpyReader;
import io.fusedrnn.io.NpyWriter;
import io.fusedrnn.io.SafetensorsDType;
import io.fusedrnn.io.SafetensorsFile;
import io.fusedrnn.io.SafetensorsWriter;
import io.fusedrnn.model.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code infer} end to end on PyTorch fixtures, and its answers to bad input: exit 2, one line, no output. */
class InferCommandTest extends InferRun {
    /** Writes fixture tensors as .npy into the temp dir and returns the weights path. */
    private Path stage(String name, boolean batchFirst) {
        try (SafetensorsFile data = SafetensorsFile.open(Fixtures.path("pytorch/" + name + ".data.safetensors"))) {
            NdArray x = data.read("x");
            NpyWriter.write(dir.resolve("x.npy"), batchFirst ? InferCommand.swapFirstTwo(x) : x, Precision.FP64);
            if (data.contains("h0")) NpyWriter.write(dir.resolve("h0.npy"), data.read("h0"), Precision.FP64);
            if (data.contains("c0")) NpyWriter.write(dir.resolve("c0.npy"), data.read("c0"), Precision.FP64);
            int[] len = Fixtures.lengths(data);
            if (len != null) NpyWriter.writeLongs(dir.resolve("len.npy"), Arrays.stream(len).asLongStream().toArray(), len.length);
        }
        return Fixtures.path("pytorch/" + name + ".weights.safetensors");
    }

    private String p(String file) {
        return dir.resolve(file).toString();
    }

    private static void assertNear(NdArray want, NdArray got, double tol, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        for (int i = 0; i < want.data().length; i++) {
            assertEquals(want.data()[i], got.data()[i], tol * (1 + Math.abs(want.data()[i])), what + "[" + i + "]");
        }
    }

    @Test
    void inferReproducesPyTorchWithStatesLengthsAndProjection() {
        Path w = stage("lstm_proj_l2_bi_lengths", false);
        int status = infer("--weights", w.toString(), "--input", p("x.npy"), "--output", p("y.npy"), "--h0", p("h0.npy"),
                "--c0", p("c0.npy"), "--lengths", p("len.npy"), "--hn", p("hn.npy"), "--cn", p("cn.npy"),
                "--backend", "reference", "--precision", "fp64");
        assertEquals(0, status, stderr);
        try (SafetensorsFile data = SafetensorsFile.open(Fixtures.path("pytorch/lstm_proj_l2_bi_lengths.data.safetensors"))) {
            assertNear(data.read("y"), NpyReader.readFloats(dir.resolve("y.npy")), io.fusedrnn.check.Tolerances.FP64_VS_PYTORCH, "y");
            assertNear(data.read("h_n"), NpyReader.readFloats(dir.resolve("hn.npy")), io.fusedrnn.check.Tolerances.FP64_VS_PYTORCH, "h_n");
            assertNear(data.read("c_n"), NpyReader.readFloats(dir.resolve("cn.npy")), io.fusedrnn.check.Tolerances.FP64_VS_PYTORCH, "c_n");
        }
        assertEquals(List.of("c0.npy", "cn.npy", "h0.npy", "hn.npy", "len.npy", "x.npy", "y.npy"), listing(), "no temporary files left");
    }

    @Test
    void inferGivesTheSameAnswerOnEveryBackendThatOpens() {
        Path w = stage("gru_l2_bi_lengths", false);
        for (String backend : Fixtures.BACKENDS) {
            try (var b = io.fusedrnn.Backends.open(backend)) {
                System.err.println("infer test: backend " + b.name() + " available");
            } catch (io.fusedrnn.BackendUnavailableException e) {
                continue;
            }
            String out = "y-" + backend + ".npy";
            assertEquals(0, infer("--weights", w.toString(), "--input", p("x.npy"), "--output", p(out), "--h0", p("h0.npy"),
                    "--lengths", p("len.npy"), "--backend", backend, "--precision", "fp64"), stderr);
            try (SafetensorsFile data = SafetensorsFile.open(Fixtures.path("pytorch/gru_l2_bi_lengths.data.safetensors"))) {
                assertNear(data.read("y"), NpyReader.readFloats(dir.resolve(out)), io.fusedrnn.check.Tolerances.FP64_VS_PYTORCH, backend + " y");
            }
        }
    }

    @Test
    void inferWithBatchFirstFindsThePrefixAndWritesFloat32ByDefault() throws IOException {
        Path w = stage("lstm_l2_bi", true);
        int status = infer("--weights", w.toString(), "--input", p("x.npy"), "--output", p("y.npy"), "--h0", p("h0.npy"),
                "--c0", p("c0.npy"), "--batch-first", "--backend=reference");
        assertEquals(0, status, stderr);
        String header = new String(Files.readAllBytes(dir.resolve("y.npy")), 0, 60, StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("'<f4'"), header);
        try (SafetensorsFile data = SafetensorsFile.open(Fixtures.path("pytorch/lstm_l2_bi.data.safetensors"))) {
            assertNear(InferCommand.swapFirstTwo(data.read("y")), NpyReader.readFloats(dir.resolve("y.npy")), io.fusedrnn.check.Tolerances.FP32_FORWARD, "y");
        }
        assertEquals(0, infer("--weights", w.toString(), "--input", p("x.npy"), "--output", p("y2.npy"), "--batch-first",
                "--prefix", "encoder.rnn", "--backend", "reference"), stderr);
    }

    @Test
    void badInputExitsTwoWithOneLineAndNoOutput() throws IOException {
        Path w = stage("gru_l2_bi_lengths", false);
        Files.write(dir.resolve("junk.safetensors"), new byte[] {1, 2, 3});
        NpyWriter.write(dir.resolve("x2d.npy"), new NdArray(new int[] {2, 3}, new double[6]), Precision.FP32);
        NpyWriter.writeLongs(dir.resolve("badlen.npy"), new long[] {5, 9, 1, 1}, 4);
        NpyWriter.writeLongs(dir.resolve("shortlen.npy"), new long[] {5, 2}, 2);
        NpyWriter.write(dir.resolve("h0bad.npy"), new NdArray(new int[] {1, 4, 5}, new double[20]), Precision.FP32);
        String ws = w.toString(), x = p("x.npy"), y = p("y.npy");
        String[][] cases = {
                {"--input", x, "--output", y},
                {"--weights", ws, "--input", x, "--output", y, "--bogus"},
                {"--weights", ws, "--input", x, "--output", y, "--precision", "fp16"},
                {"--weights", ws, "--input", x, "--output", y, "--backend", "gpu"},
                {"--weights", ws, "--input", p("missing.npy"), "--output", y},
                {"--weights", p("junk.safetensors"), "--input", x, "--output", y},
                {"--weights", ws, "--input", p("x2d.npy"), "--output", y},
                {"--weights", ws, "--input", x, "--output", y, "--lengths", p("badlen.npy")},
                {"--weights", ws, "--input", x, "--output", y, "--lengths", p("shortlen.npy")},
                {"--weights", ws, "--input", x, "--output", y, "--h0", p("h0bad.npy")},
                {"--weights", ws, "--input", x, "--output", y, "--c0", p("h0bad.npy")},
                {"--weights", ws, "--input", x, "--output", y, "--prefix", "decoder"},
                {"--weights", ws, "--input", x, "--output", y, "--hn", p("nodir/hn.npy")},
                {"--weights", ws, "--input", x, "--output", y, "--output", y},
                {"--weights", ws, "--input", x, "--output"},
        };
        List<String> before = listing();
        for (String[] c : cases) {
            assertEquals(2, infer(c), String.join(" ", c) + " -> " + stderr);
            assertTrue(stderr.startsWith("fusedrnn infer: "), stderr);
            assertEquals(1, stderr.lines().count(), "one line: " + stderr);
            assertEquals(before, listing(), "no output for " + String.join(" ", c));
        }
    }

    @Test
    void messagesNameTheFileAndTheProblem() {
        Path w = stage("gru_l2_bi_lengths", false);
        NpyWriter.writeLongs(dir.resolve("badlen.npy"), new long[] {5, 9, 1, 1}, 4);
        infer("--weights", w.toString(), "--input", p("x.npy"), "--output", p("y.npy"), "--lengths", p("badlen.npy"));
        assertTrue(stderr.contains("badlen.npy") && stderr.contains("lengths[1]") && stderr.contains("found 9"), stderr);
        infer("--weights", w.toString(), "--input", p("nothere.npy"), "--output", p("y.npy"));
        assertTrue(stderr.contains("nothere.npy: no such file"), stderr);
        infer("--weights", w.toString(), "--input", p("x.npy"), "--output", p("y.npy"), "--c0", p("x.npy"));
        assertTrue(stderr.contains("--c0") && stderr.contains("GRU"), stderr);
    }

    @Test
    void checkFiniteReportsTheFirstNaNOfTheInputWhereItIsAndWritesNothing() {
        Path w = stage("lstm_proj_l2_bi_lengths", false);
        NdArray x = NpyReader.readFloats(dir.resolve("x.npy"));
        int[] s = x.shape();
        x.data()[((s[0] - 2) * s[1] + 1) * s[2] + 2] = Double.NaN; // x[T-2, 1, 2]: y is NaN from there on
        NpyWriter.write(dir.resolve("nan.npy"), x, Precision.FP64);
        String[] args = {"--weights", w.toString(), "--input", p("nan.npy"), "--output", p("y.npy"), "--backend", "reference"};
        assertEquals(0, infer(args), stderr); // without the check, NaN propagates into y (documented)
        assertTrue(Arrays.stream(NpyReader.readFloats(dir.resolve("y.npy")).data()).anyMatch(Double::isNaN));
        assertTrue(dir.resolve("y.npy").toFile().delete());
        String[] checked = Arrays.copyOf(args, args.length + 1);
        checked[args.length] = "--check-finite";
        assertEquals(1, infer(checked), stderr);
        assertEquals("fusedrnn infer: --input " + p("nan.npy") + ": expected finite values, found NaN at ["
                + (s[0] - 2) + ", 1, 2] (first of 1)\n", stderr);
        assertFalse(Files.exists(dir.resolve("y.npy")), "no output after a failed check");
        String[] batchFirst = Arrays.copyOf(checked, checked.length + 1);
        batchFirst[checked.length] = "--batch-first"; // the same file read as [B, T, I]: the position is still the file's
        assertEquals(1, infer(batchFirst), stderr);
        assertTrue(stderr.contains("found NaN at [" + (s[0] - 2) + ", 1, 2]"), stderr);
    }

    @Test
    void checkFiniteFindsTheFirstNonFiniteOutputWhateverTheChunks() {
        Path w = stage("lstm_l1", false);
        // a NaN in unit 0's input-gate bias: y[0, b, 0] is its first NaN in a row that runs, all units after;
        // only the last batch row runs (lengths 0 elsewhere give zeros), so the first NaN is in the last chunk
        Map<String, NdArray> weights = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(w)) {
            for (String name : f.names()) weights.put(name, f.read(name));
        }
        weights.get("bias_ih_l0").data()[0] = Double.NaN;
        SafetensorsWriter.write(dir.resolve("w.safetensors"), weights, SafetensorsDType.F64);
        NdArray x = NpyReader.readFloats(dir.resolve("x.npy"));
        int steps = x.dim(0), batch = x.dim(1);
        long[] len = new long[batch];
        len[batch - 1] = steps;
        NpyWriter.writeLongs(dir.resolve("last.npy"), len, batch);
        List<String> messages = new ArrayList<>();
        for (String rows : new String[] {"0", "1", "2", "0"}) {
            InferRunner.stagingValues = messages.size() == 3 ? 1 : InferRunner.STAGING_VALUES; // last: y staged a step at a time
            try {
                assertEquals(1, infer("--weights", p("w.safetensors"), "--input", p("x.npy"), "--output", p("y.npy"), "--backend", "reference",
                        "--lengths", p("last.npy"), "--check-finite", "--chunk-rows", rows), stderr);
            } finally {
                InferRunner.stagingValues = InferRunner.STAGING_VALUES;
            }
            messages.add(stderr.strip());
            assertFalse(Files.exists(dir.resolve("y.npy")), "no output after a failed check");
        }
        int hidden = weights.get("weight_hh_l0").dim(1);
        assertEquals("fusedrnn infer: y: expected finite values, found NaN at [0, " + (batch - 1) + ", 0] (first of "
                + (1 + (steps - 1) * hidden) + ")", messages.get(0));
        assertEquals(List.of(messages.get(0), messages.get(0), messages.get(0), messages.get(0)), messages, "one answer whatever the chunks and staging");
    }

    @Test
    void anUnavailableBackendExitsThree() {
        Path w = stage("lstm_l1", false);
        String[] args = {"--weights", w.toString(), "--input", p("x.npy"), "--output", p("y.npy"), "--backend", "opencl:no-such-device-xyz"};
        int status = infer(args);
        assertTrue(status == 3, "status " + status + ": " + stderr);
        assertFalse(Files.exists(dir.resolve("y.npy")));
    }
}
