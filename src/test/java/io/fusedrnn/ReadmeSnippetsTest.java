package io.fusedrnn;

import io.fusedrnn.io.NpyReader;
import io.fusedrnn.io.NpyWriter;
import io.fusedrnn.io.SafetensorsFile;
import io.fusedrnn.model.Fixtures;
import io.fusedrnn.model.Layout;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.PyTorchImporter;
import io.fusedrnn.model.RnnModel;
import io.fusedrnn.model.RnnOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The README's "Using the library" snippets, compiled and run: each marked region below (with the
 * try block's closing brace) is the README's java block of the same number, character for character
 * (indentation aside), so the README cannot drift from code that works.
 */
class ReadmeSnippetsTest {
    @TempDir
    Path dir;

    @Test
    void layerSnippetRunsOnFloat32Data() {
        int T = 4, B = 3, I = 5, H = 6;
        LayerWeights weights = LayerWeights.random(LayerSpec.lstm(I, H), 1);
        float[] xs = new float[T * B * I];
        for (int i = 0; i < xs.length; i++) xs[i] = (i % 7 - 3) / 4f;
        int[] lengths = {4, 2, 0};
        float[] got;
        // README snippet 1 begin
        try (Backend backend = Backends.open("auto");
             PreparedLayer layer = backend.prepare(weights, Precision.FP32);   // packed once
             Tensor x = backend.upload(Precision.FP32, xs, T, B, I);           // float[] xs, [T, B, I]
             Tensor y = backend.allocate(Precision.FP32, T, B, H);
             SweepResult r = backend.forward(layer, new Sweep(x, null, null, lengths, false), y, 0, false)) {
            float[] out = y.toFloatArray();                                    // or y.read(float[]) into your own array
        // README snippet 1 end
            got = out;
        }
        try (Backend ref = new io.fusedrnn.reference.ReferenceBackend();
             PreparedLayer layer = ref.prepare(weights, Precision.FP64);
             Tensor x = ref.upload(Precision.FP64, xs, T, B, I);
             Tensor y = ref.allocate(Precision.FP64, T, B, H);
             SweepResult r = ref.forward(layer, new Sweep(x, null, null, lengths, false), y, 0, false)) {
            double[] want = y.toDoubleArray();
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5, "y[" + i + "]");
        }
    }

    @Test
    void modelSnippetRunsOnNpyFilesBatchFirst() throws IOException {
        String name = "lstm_l2_bi";
        Path weightsFile = Fixtures.path("pytorch/" + name + ".weights.safetensors");
        Path inputFile = dir.resolve("x.npy"), lengthsFile = dir.resolve("lengths.npy"), outputFile = dir.resolve("y.npy");
        io.fusedrnn.io.NdArray xTimeFirst;
        try (SafetensorsFile data = SafetensorsFile.open(Fixtures.path("pytorch/" + name + ".data.safetensors"))) {
            xTimeFirst = data.read("x");
        }
        int T = xTimeFirst.dim(0), B = xTimeFirst.dim(1), I = xTimeFirst.dim(2);
        double[] bf = new double[xTimeFirst.data().length];
        for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) System.arraycopy(xTimeFirst.data(), (t * B + b) * I, bf, (b * T + t) * I, I);
        NpyWriter.write(inputFile, new io.fusedrnn.io.NdArray(new int[] {B, T, I}, bf), Precision.FP32);
        long[] len = new long[B];
        for (int b = 0; b < B; b++) len[b] = T - b % T;
        NpyWriter.writeLongs(lengthsFile, len, B);
        float[] hNGot;
        // README snippet 2 begin
        try (Backend be = Backends.open("auto");
             PreparedRnn rnn = RnnModel.load(weightsFile, LoadOptions.defaults()).prepare(be, Precision.FP32);
             Tensor x = NpyReader.upload(inputFile, be, Precision.FP32);       // [B, T, I], memory-mapped
             RnnOutput out = rnn.forward(x, null, null, NpyReader.readInts(lengthsFile), Layout.BATCH_FIRST)) {
            NpyWriter.write(outputFile, out.y());                              // [B, T, D·H_out], from the tensor
            float[] hN = out.hN().toFloatArray();                              // [L·D, B, H_out]
        // README snippet 2 end
            hNGot = hN;
        }
        int[] lengths = new int[B];
        for (int b = 0; b < B; b++) lengths[b] = (int) len[b];
        try (Backend ref = new io.fusedrnn.reference.ReferenceBackend();
             SafetensorsFile f = SafetensorsFile.open(weightsFile);
             PreparedRnn rnn = PyTorchImporter.load(f).prepare(ref, Precision.FP64);
             Tensor x = ref.upload(Precision.FP64, xTimeFirst.data(), T, B, I);
             RnnOutput want = rnn.forward(x, null, null, lengths)) {
            double[] y = want.y().toDoubleArray(), yGot = NpyReader.readFloats(outputFile).data();
            int w = want.y().dim(2);
            assertArrayEquals(new int[] {B, T, w}, NpyReader.readFloats(outputFile).shape());
            for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) for (int k = 0; k < w; k++) {
                assertEquals(y[(t * B + b) * w + k], yGot[(b * T + t) * w + k], 1e-5, "y[" + b + ", " + t + ", " + k + "]");
            }
            double[] hN = want.hN().toDoubleArray();
            for (int i = 0; i < hN.length; i++) assertEquals(hN[i], hNGot[i], 1e-5, "h_n[" + i + "]");
        }
    }

    @Test
    void readmeBlocksAreTheTestedCode() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("## Using the library"), readme.indexOf("\n## ", readme.indexOf("## Using the library") + 3));
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (m.find()) blocks.add(m.group(1));
        String source = Files.readString(Path.of("src/test/java/io/fusedrnn/ReadmeSnippetsTest.java"));
        assertEquals(2, blocks.size(), "java blocks in README's 'Using the library'");
        for (int i = 1; i <= blocks.size(); i++) {
            String begin = "// README snippet " + i + " begin\n", end = "// README snippet " + i + " end";
            int from = source.indexOf(begin) + begin.length();
            String region = source.substring(from, source.lastIndexOf('\n', source.indexOf(end)) + 1);
            // the region stops before the try block's closing brace: the test goes on inside it to check the result
            assertEquals(dedent(region) + "}\n", dedent(blocks.get(i - 1)), "README java block " + i + " vs ReadmeSnippetsTest's snippet " + i);
        }
    }

    /** The text with its common leading indentation removed. */
    private static String dedent(String text) {
        int indent = text.lines().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder sb = new StringBuilder();
        text.lines().forEach(l -> sb.append(l.length() >= indent ? l.substring(indent) : l.strip()).append('\n'));
        return sb.toString();
    }
}
