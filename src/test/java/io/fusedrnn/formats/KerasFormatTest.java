package io.fusedrnn.formats;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.model.Fixtures;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.RnnModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keras .keras and legacy .h5 files in the layouts Keras' saving code writes (made with h5py by
 * src/test/python/make_keras_fixtures.py) reproduce a numpy re-implementation of Keras' cells on
 * every backend: stacked LSTMs before a Dense head, Bidirectional GRU (reset_after=True), GRU
 * reset_after=False with dropout between, Bidirectional LSTM with tf.keras 2 weight names.
 */
class KerasFormatTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        return Fixtures.path("keras/" + name);
    }

    @TestFactory
    List<DynamicTest> modelsReproduceKeras() {
        return FormatRun.eachFile("keras", "lstm2_dense.keras", "gru_bi_after.keras", "gru_before_dropout.h5", "lstm_bi_tf2.h5");
    }

    @Test
    void configsAndHints() {
        RnnModel m = RnnModel.load(fixture("lstm2_dense.keras"), LoadOptions.defaults());
        assertEquals("lstm I=3 H=5 layers=2", m.config().describe());
        assertTrue(m.source().batchFirst());
        assertTrue(m.source().what().contains("not run: [dense (Dense)]"), m.source().what());
        assertEquals("gru(reset-before) I=3 H=4 layers=2", RnnModel.load(fixture("gru_before_dropout.h5"), LoadOptions.defaults()).config().describe());
        assertEquals(ModelFormat.KERAS_ZIP, FormatSniffer.detect(fixture("gru_bi_after.keras")));
        assertEquals(ModelFormat.HDF5, FormatSniffer.detect(fixture("lstm_bi_tf2.h5")));
    }

    @Test
    void unsupportedLayersAndOptionsAreNamed() throws IOException {
        String relu = """
                {"class_name": "Sequential", "config": {"layers": [{"class_name": "LSTM", "config": {"name": "lstm", "units": 5,
                 "activation": "relu", "return_sequences": true}}]}}""";
        assertRefused(relu, "activation='relu'");
        String functional = """
                {"class_name": "Functional", "config": {"layers": []}}""";
        assertRefused(functional, "a Functional model with 0 inputs: only a single chain of layers is read");
        assertRefused("""
                {"class_name": "Subclassed", "config": {"layers": []}}""", "only Sequential models and Functional ones");
        String sum = """
                {"class_name": "Sequential", "config": {"layers": [{"class_name": "Bidirectional", "config": {"name": "bi", "merge_mode": "sum",
                 "layer": {"class_name": "LSTM", "config": {"name": "lstm", "units": 5}}}}]}}""";
        assertRefused(sum, "merge_mode='sum'");
        String embedding = """
                {"class_name": "Sequential", "config": {"layers": [{"class_name": "Embedding", "config": {"name": "emb"}},
                 {"class_name": "LSTM", "config": {"name": "lstm", "units": 5}}]}}""";
        assertRefused(embedding, "'emb' (Embedding) comes before");
        String backwards = """
                {"class_name": "Sequential", "config": {"layers": [{"class_name": "GRU", "config": {"name": "g", "go_backwards": true}}]}}""";
        assertRefused(backwards, "go_backwards=True");
    }

    @Test
    void aZipBombIsRefused() throws IOException {
        Path p = dir.resolve("bomb.keras");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            z.putNextEntry(new ZipEntry("config.json"));
            z.write("{}".getBytes(StandardCharsets.US_ASCII));
            z.putNextEntry(new ZipEntry("model.weights.h5"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) z.write(zeros); // 64 MiB of zeros deflate to ~64 KiB
            z.closeEntry();
        }
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(p, LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains("bomb.keras") && msg.contains("zip bomb") && msg.contains("model.weights.h5"), msg);
    }

    /** A Keras 3 Functional config of lstm2_dense's layers: Input → LSTM → LSTM → Dense, each called on the one before. */
    private static String functional(String secondCall) {
        String t = "{\"class_name\": \"__keras_tensor__\", \"config\": {\"shape\": [null, 5, 3], \"keras_history\": [\"%s\", 0, 0]}}";
        return """
                {"module": "keras", "class_name": "Functional", "config": {"name": "f", "layers": [
                 {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 5, 3], "name": "input_layer"},
                  "name": "input_layer", "inbound_nodes": []},
                 {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "lstm", "units": 5, "return_sequences": true},
                  "name": "lstm", "inbound_nodes": [{"args": [%s], "kwargs": {"training": false, "mask": null}}]},
                 {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "lstm_1", "units": 5, "return_sequences": false},
                  "name": "lstm_1", "inbound_nodes": [%s]},
                 {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 2},
                  "name": "dense", "inbound_nodes": [{"args": [%s], "kwargs": {}}]}],
                 "input_layers": [["input_layer", 0, 0]], "output_layers": [["dense", 0, 0]]}}""".formatted(
                t.formatted("input_layer"), secondCall.formatted(t.formatted("lstm")), t.formatted("lstm_1"));
    }

    @Test
    void aFunctionalModelWhoseLayersFormOneChainIsReadAsItsSequential() throws IOException {
        RnnModel sequential = RnnModel.load(fixture("lstm2_dense.keras"), LoadOptions.defaults());
        RnnModel f = RnnModel.load(edited(functional("{\"args\": [%s], \"kwargs\": {\"training\": false}}")), LoadOptions.defaults());
        assertEquals(sequential.config(), f.config());
        for (int k = 0; k < 2; k++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(sequential.layer(k, 0).wIh(), f.layer(k, 0).wIh(), "layer " + k);
            org.junit.jupiter.api.Assertions.assertArrayEquals(sequential.layer(k, 0).bIh(), f.layer(k, 0).bIh(), "layer " + k);
        }
        // tf.keras 2's call records: [[name, node, tensor, kwargs]]
        String tf2 = """
                {"class_name": "Model", "config": {"layers": [
                 {"class_name": "InputLayer", "name": "input_1", "config": {"name": "input_1"}, "inbound_nodes": []},
                 {"class_name": "LSTM", "name": "lstm", "config": {"name": "lstm", "units": 5, "return_sequences": true}, "inbound_nodes": [[["input_1", 0, 0, {}]]]},
                 {"class_name": "LSTM", "name": "lstm_1", "config": {"name": "lstm_1", "units": 5}, "inbound_nodes": [[["lstm", 0, 0, {}]]]}],
                 "input_layers": [["input_1", 0, 0]], "output_layers": [["lstm_1", 0, 0]]}}""";
        assertEquals(sequential.config(), RnnModel.load(edited(tf2), LoadOptions.defaults()).config());
    }

    @Test
    void aFunctionalModelThatBranchesOrPassesStatesIsRefused() throws IOException {
        String t = "{\"class_name\": \"__keras_tensor__\", \"config\": {\"keras_history\": [\"%s\", 0, 0]}}";
        // the second LSTM on [lstm's output, the input] (a skip connection), with an initial_state, called twice
        assertRefused(functional("{\"args\": [[%s, " + t.formatted("input_layer") + "]], \"kwargs\": {}}"),
                "layer 'lstm_1' (LSTM) takes [lstm, input_layer]");
        assertRefused(functional("{\"args\": [%s], \"kwargs\": {\"initial_state\": [" + t.formatted("lstm") + "]}}"),
                "layer 'lstm_1' (LSTM) is called with more than its input (initial_state or mask?)");
        assertRefused(functional("{\"args\": [%1$s], \"kwargs\": {}}, {\"args\": [%1$s], \"kwargs\": {}}"),
                "layer 'lstm_1' (LSTM) is called 2 times");
        assertRefused(functional("{\"args\": [%s], \"kwargs\": {}}").replace("\"input_layers\": [[\"input_layer\", 0, 0]]",
                "\"input_layers\": [[\"input_layer\", 0, 0], [\"other\", 0, 0]]"), "a Functional model with 2 inputs");
    }

    /** A .keras zip with the given config.json and the real weights of lstm2_dense. */
    private Path edited(String config) throws IOException {
        Path p = dir.resolve("edited.keras");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p));
             java.util.zip.ZipFile src = new java.util.zip.ZipFile(fixture("lstm2_dense.keras").toFile())) {
            z.putNextEntry(new ZipEntry("config.json"));
            z.write(config.getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("model.weights.h5"));
            try (var in = src.getInputStream(src.getEntry("model.weights.h5"))) {
                in.transferTo((OutputStream) z);
            }
        }
        return p;
    }

    /** Loading lstm2_dense's weights with the given config.json fails with a message holding {@code feature}. */
    private void assertRefused(String config, String feature) throws IOException {
        Path p = edited(config);
        String msg = assertThrows(FusedRnnException.class, () -> RnnModel.load(p, LoadOptions.defaults())).getMessage();
        assertTrue(msg.contains(feature) && msg.startsWith(p.toString()), msg);
    }
}
