package io.fusedrnn.cli;

import io.fusedrnn.Precision;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.NpyReader;
import io.fusedrnn.io.NpyWriter;
import io.fusedrnn.io.SafetensorsFile;
import io.fusedrnn.model.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code infer} on ONNX, torch.save and Keras files: --node, layout=1's batch-first input, refusals with exit 2 and no output. */
class InferFormatsTest {
    @TempDir
    Path dir;

    @Test
    void aLayout1OnnxModelTakesBatchFirstInputAndLengths() throws Exception {
        Path y = infer("onnx/gru_lbr0_bi_layout1", true);
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path("onnx/gru_lbr0_bi_layout1.expect.safetensors"))) {
            assertNear(InferCommand.swapFirstTwo(f.read("y64")), NpyReader.readFloats(y));
        }
    }

    @Test
    void nodePicksOneOfSeveral() throws Exception {
        Path y = infer("onnx/two_nodes", false, "--node", "dec");
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path("onnx/two_nodes.expect.safetensors"))) {
            assertNear(f.read("y64"), NpyReader.readFloats(y));
        }
    }

    @Test
    void aCheckpointRunsWithItsPrefix() throws Exception {
        Path y = infer("torch/checkpoint", false, "--prefix", "model_state_dict.encoder.rnn");
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path("torch/checkpoint.expect.safetensors"))) {
            assertNear(f.read("y64"), NpyReader.readFloats(y));
        }
    }

    @Test
    void refusedFilesExitTwoAndWriteNothing() throws Exception {
        for (String name : new String[] {"torch/module.pt", "torch/malicious.pt", "torch/legacy.pt"}) {
            NpyWriter.write(dir.resolve("x.npy"), new NdArray(new int[] {2, 1, 2}, new double[4]), Precision.FP64);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = InferCommand.run(new String[] {"--weights", Fixtures.path(name).toString(), "--input", dir.resolve("x.npy").toString(),
                "--output", dir.resolve("y.npy").toString()}, new PrintStream(err, true, StandardCharsets.UTF_8));
            String msg = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, rc, msg);
            assertEquals(1, msg.strip().lines().count(), msg);
            assertFalse(Files.exists(dir.resolve("y.npy")));
        }
    }

    /** Runs infer on fixture NAME(.onnx/.pt/.pth) with x (batch-first when asked), h0/c0/lengths from its expect file, fp64. */
    private Path infer(String name, boolean batchFirst, String... extra) throws Exception {
        Path model = null;
        for (String ext : new String[] {".onnx", ".pt", ".pth", ".keras", ".h5"}) {
            try {
                model = Fixtures.path(name + ext);
                break;
            } catch (IllegalArgumentException e) {
                // try the next extension
            }
        }
        String[] base;
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path(name + ".expect.safetensors"))) {
            NdArray x = f.read("x");
            NpyWriter.write(dir.resolve("x.npy"), batchFirst ? InferCommand.swapFirstTwo(x) : x, Precision.FP64);
            java.util.List<String> args = new java.util.ArrayList<>(Arrays.asList("--weights", model.toString(), "--input", dir.resolve("x.npy").toString(),
                    "--output", dir.resolve("y.npy").toString(), "--precision", "fp64", "--backend", "reference"));
            if (f.contains("lengths")) {
                int[] len = Fixtures.lengths(f);
                NpyWriter.writeLongs(dir.resolve("len.npy"), Arrays.stream(len).asLongStream().toArray(), len.length);
                args.addAll(Arrays.asList("--lengths", dir.resolve("len.npy").toString()));
            }
            args.addAll(Arrays.asList(extra));
            base = args.toArray(new String[0]);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = InferCommand.run(base, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        return dir.resolve("y.npy");
    }

    private static void assertNear(NdArray want, NdArray got) {
        assertTrue(Arrays.equals(want.shape(), got.shape()), "shape " + want.shapeText() + " vs " + got.shapeText());
        for (int i = 0; i < want.data().length; i++) {
            assertTrue(Math.abs(want.data()[i] - got.data()[i]) <= 1e-9 * (1 + Math.abs(want.data()[i])), "y[" + i + "]: " + want.data()[i] + " vs " + got.data()[i]);
        }
    }
}
