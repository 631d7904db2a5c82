package io.fusedrnn.model;

import io.fusedrnn.Cell;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.SafetensorsDType;
import io.fusedrnn.io.SafetensorsFile;
import io.fusedrnn.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The importer infers every nn.LSTM/nn.GRU configuration from keys and shapes, and says exactly what is wrong otherwise. */
class PyTorchImporterTest {
    @TempDir
    Path dir;

    /** A state_dict of {@code model} under {@code prefix}, as PyTorch names it. */
    static Map<String, NdArray> stateDict(RnnModel model, String prefix) {
        RnnConfig c = model.config();
        Map<String, NdArray> out = new LinkedHashMap<>();
        for (int i = 0; i < c.sweeps(); i++) {
            LayerWeights w = model.weights().get(i);
            String s = "_" + RnnModel.name(c, i);
            int rows = w.spec().gateRows();
            out.put(prefix + "weight_ih" + s, new NdArray(new int[] {rows, w.spec().inputSize()}, w.wIh()));
            out.put(prefix + "weight_hh" + s, new NdArray(new int[] {rows, w.spec().outputSize()}, w.wHh()));
            if (c.bias()) {
                out.put(prefix + "bias_ih" + s, new NdArray(new int[] {rows}, w.bIh()));
                out.put(prefix + "bias_hh" + s, new NdArray(new int[] {rows}, w.bHh()));
            }
            if (c.projSize() > 0) out.put(prefix + "weight_hr" + s, new NdArray(new int[] {c.projSize(), c.hiddenSize()}, w.wHr()));
        }
        return out;
    }

    private Path save(Map<String, NdArray> tensors) {
        Path p = dir.resolve("m" + tensors.hashCode() + ".safetensors");
        SafetensorsWriter.write(p, tensors, SafetensorsDType.F64);
        return p;
    }

    private RnnModel load(Map<String, NdArray> tensors, String prefix) {
        try (SafetensorsFile f = SafetensorsFile.open(save(tensors))) {
            return PyTorchImporter.load(f, prefix);
        }
    }

    private FusedRnnException loadFails(Map<String, NdArray> tensors, String prefix) {
        return assertThrows(FusedRnnException.class, () -> load(tensors, prefix));
    }

    @Test
    void everyConfigurationRoundTripsThroughAStateDict() {
        RnnConfig[] configs = {
                RnnConfig.lstm(3, 4, 0, 1, false), RnnConfig.lstm(3, 5, 2, 3, true),
                RnnConfig.gru(2, 3, 2, true, true), new RnnConfig(Cell.GRU, 4, 2, 0, 1, false, true, false),
                new RnnConfig(Cell.LSTM, 4, 6, 3, 2, false, true, false)};
        for (RnnConfig c : configs) {
            RnnModel m = RnnModel.random(c, 3);
            RnnModel back = load(stateDict(m, "enc.rnn."), null);
            assertEquals(c, back.config(), c.describe());
            for (int i = 0; i < c.sweeps(); i++) {
                for (int k = 0; k < LayerWeights.NAMES.length; k++) {
                    assertArrayEquals(m.weights().get(i).tensor(k), back.weights().get(i).tensor(k), c.describe() + " " + k);
                }
            }
        }
    }

    @Test
    void thePrefixIsFoundWhenUniqueAndMustBeGivenOtherwise() {
        Map<String, NdArray> two = new LinkedHashMap<>(stateDict(RnnModel.random(RnnConfig.gru(2, 3, 1, false, true), 1), "encoder.rnn."));
        two.putAll(stateDict(RnnModel.random(RnnConfig.lstm(3, 2, 0, 1, false), 2), "decoder.rnn."));
        assertTrue(loadFails(two, null).getMessage().contains("2 RNNs found (prefixes 'decoder.rnn.', 'encoder.rnn.'); choose one with --prefix"));
        assertEquals(Cell.LSTM, load(two, "decoder.rnn").config().cell());
        assertEquals(Cell.GRU, load(two, "encoder.rnn.").config().cell());
        assertTrue(loadFails(two, "rnn").getMessage().contains("no tensor 'rnn.weight_ih_l0' for prefix 'rnn'"));
        Map<String, NdArray> none = Map.of("linear.weight", new NdArray(new int[] {2, 2}, new double[4]));
        assertTrue(loadFails(none, null).getMessage().contains("no LSTM/GRU weights"));
    }

    @Test
    void missingStrayAndMisshapenTensorsAreNamed() {
        Map<String, NdArray> sd = stateDict(RnnModel.random(RnnConfig.lstm(3, 4, 0, 2, true), 1), "");
        Map<String, NdArray> missing = new LinkedHashMap<>(sd);
        missing.remove("bias_hh_l1_reverse");
        assertTrue(loadFails(missing, null).getMessage().endsWith("missing tensor 'bias_hh_l1_reverse' (expected [16])"));
        Map<String, NdArray> stray = new LinkedHashMap<>(sd);
        stray.put("weight_ih_l3", new NdArray(new int[] {16, 8}, new double[128]));
        assertTrue(loadFails(stray, null).getMessage().contains("unexpected tensor 'weight_ih_l3'"));
        Map<String, NdArray> shape = new LinkedHashMap<>(sd);
        shape.put("weight_hh_l1", new NdArray(new int[] {16, 3}, new double[48]));
        assertTrue(loadFails(shape, null).getMessage().contains("tensor 'weight_hh_l1': expected shape [16, 4], found [16, 3]"));
        Map<String, NdArray> rows = new LinkedHashMap<>(sd);
        rows.put("weight_ih_l0", new NdArray(new int[] {10, 3}, new double[30]));
        assertTrue(loadFails(rows, null).getMessage().contains("expected 4·H (LSTM) or 3·H (GRU) rows with H = 4"));
    }

    @Test
    void aModuleHoldingTheRnnLoadsBesideItsIntegerBuffers() throws java.io.IOException {
        // model.state_dict() of a module with an LSTM and a batch norm: the norm's num_batches_tracked is
        // int64 and its weights float; only the RNN's tensors are read
        RnnModel m = RnnModel.random(RnnConfig.lstm(3, 4, 0, 1, false), 5);
        Map<String, NdArray> sd = new LinkedHashMap<>(stateDict(m, "rnn."));
        sd.put("bn.weight", new NdArray(new int[] {4}, new double[] {1, 1, 1, 1}));
        Path p = save(sd);
        byte[] b = java.nio.file.Files.readAllBytes(p);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int n = (int) bb.getLong(0), end = b.length - 8 - n;
        String header = new String(b, 8, n, java.nio.charset.StandardCharsets.UTF_8).strip();
        String extra = "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[" + end + "," + (end + 8) + "]},";
        byte[] h = ("{" + extra + header.substring(1)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(8 + padded + end + 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) out.put((byte) ' ');
        out.put(b, 8 + n, end).putLong(7);
        Path q = dir.resolve("module.safetensors");
        java.nio.file.Files.write(q, out.array());
        try (SafetensorsFile f = SafetensorsFile.open(q)) {
            assertTrue(f.names().contains("bn.num_batches_tracked"));
            RnnModel got = PyTorchImporter.load(f);
            assertArrayEquals(m.weights().get(0).wHh(), got.weights().get(0).wHh());
        }
    }

    @Test
    void halfPrecisionWeightsAreWidenedExactly() {
        try (SafetensorsFile f16 = SafetensorsFile.open(Fixtures.path("pytorch/lstm_f16.weights.safetensors"));
             SafetensorsFile exact = SafetensorsFile.open(Fixtures.path("pytorch/lstm_f16.exact.safetensors"))) {
            RnnModel m = PyTorchImporter.load(f16);
            LayerWeights w = m.weights().get(0);
            assertArrayEquals(exact.read("weight_ih_l0").data(), w.wIh());
            assertArrayEquals(exact.read("weight_hh_l0").data(), w.wHh());
            assertArrayEquals(exact.read("bias_ih_l0").data(), w.bIh());
            assertArrayEquals(exact.read("bias_hh_l0").data(), w.bHh());
            assertFalse(m.config().bidirectional());
        }
    }
}
