package io.fusedrnn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** A single-sweep fixture written by src/test/python/make_sweep_fixtures.py (PyTorch, float64). */
public record PyTorchFixture(String name, JsonNode json) {

    public static final List<String> NAMES =
            List.of("lstm_basic", "lstm_reverse_lengths", "lstm_proj_lengths", "gru_basic", "gru_reverse_lengths");

    public static PyTorchFixture load(String name) {
        try (InputStream in = PyTorchFixture.class.getResourceAsStream("/fixtures/sweeps/" + name + ".json")) {
            if (in == null) throw new IllegalStateException("fixture " + name + " missing from test resources");
            return new PyTorchFixture(name, new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int integer(String key) {
        return json.get(key).asInt();
    }

    /** A flat float64 array, or null when the fixture has none. */
    public double[] array(String key) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) return null;
        double[] a = new double[n.size()];
        for (int i = 0; i < a.length; i++) a[i] = n.get(i).asDouble();
        return a;
    }

    public int[] lengths() {
        JsonNode n = json.get("lengths");
        if (n == null || n.isNull()) return null;
        int[] a = new int[n.size()];
        for (int i = 0; i < a.length; i++) a[i] = n.get(i).asInt();
        return a;
    }

    public LayerSpec spec() {
        Cell cell = Cell.parse(json.get("cell").asText());
        return new LayerSpec(cell, integer("I"), integer("H"), integer("P"), json.get("linear_before_reset").asBoolean());
    }

    public LayerWeights weights() {
        return new LayerWeights(spec(), array("weight_ih"), array("weight_hh"), array("bias_ih"), array("bias_hh"),
                array("weight_hr"));
    }
}
