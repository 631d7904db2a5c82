package io.fusedrnn.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.formats.Text;

/**
 * One recurrent layer of a Keras model's config: its class (LSTM or GRU), name, where its weights
 * live ({@code key}: the layer's name in a legacy .h5, its path under {@code layers/} in a .keras
 * weights file), whether it is wrapped in {@code Bidirectional}, and the checked cell options.
 */
record KerasLayer(String name, String key, String cell, boolean bidirectional, boolean resetAfter, boolean useBias, boolean returnSequences) {

    /** Reads an LSTM/GRU config, refusing options that change the computation. */
    static KerasLayer of(String file, String name, String key, JsonNode rnn, boolean bidirectional) {
        String cls = rnn.path("class_name").asText();
        JsonNode c = rnn.path("config");
        String where = file + ": layer '" + Text.clean(name) + "' (" + (bidirectional ? "Bidirectional " : "") + Text.clean(cls) + ")";
        if (!cls.equals("LSTM") && !cls.equals("GRU")) throw new FusedRnnException(where + ": expected LSTM or GRU");
        expect(where, c, "activation", "tanh");
        expect(where, c, "recurrent_activation", "sigmoid");
        if (c.path("stateful").asBoolean(false)) throw new FusedRnnException(where + ": stateful=True is not supported");
        if (!bidirectional && c.path("go_backwards").asBoolean(false)) {
            throw new FusedRnnException(where + ": go_backwards=True outside Bidirectional is not supported (its output runs backwards in time)");
        }
        if (c.path("time_major").asBoolean(false)) throw new FusedRnnException(where + ": time_major=True is not supported");
        boolean resetAfter = !cls.equals("GRU") || c.path("reset_after").asBoolean(true);
        return new KerasLayer(name, key, cls, bidirectional, resetAfter, c.path("use_bias").asBoolean(true), c.path("return_sequences").asBoolean(false));
    }

    private static void expect(String where, JsonNode c, String option, String value) {
        JsonNode v = c.get(option);
        if (v == null || v.isNull()) return;
        String s = v.isTextual() ? v.asText() : v.path("config").path("name").asText(v.toString());
        if (!s.equals(value)) throw new FusedRnnException(where + ": " + option + "='" + Text.clean(s) + "' is not supported (only '" + value + "')");
    }
}
