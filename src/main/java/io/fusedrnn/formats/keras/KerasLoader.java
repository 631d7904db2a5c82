package io.fusedrnn.formats.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusedrnn.Cell;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.formats.BoundedZip;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.model.KerasConverter;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.ModelSource;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;
import io.jhdf.HdfFile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads the recurrent stack of a Keras Sequential model (or a Functional one whose layers form one
 * chain, {@link #checkChain}) from a Keras 3 {@code .keras} zip
 * (config.json + model.weights.h5, variables at {@code layers/<layer>/cell/vars/<i>}) or a legacy
 * whole-model {@code .h5} (a {@code model_config} attribute + {@code model_weights/<layer name>}
 * with {@code weight_names}). LSTM and GRU layers, plain or in {@code Bidirectional} (merge_mode
 * concat), stack when they chain; InputLayer and Dropout are skipped, layers after the last RNN (a
 * Dense head) are not run, any other layer before or between RNNs is refused.
 */
public final class KerasLoader {
    static final long MAX_CONFIG_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ONE_CHAIN = ": only a single chain of layers is read";

    private KerasLoader() {
    }

    /**
     * Loads {@code file}: a .keras zip when {@code zip}, else a legacy HDF5 .h5.
     *
     * @param file the model file
     * @param zip whether it is a .keras zip rather than HDF5
     * @param options which layer to take when there are several
     * @return the model
     */
    public static RnnModel load(Path file, boolean zip, LoadOptions options) {
        if (options.prefix() != null && !options.prefix().isEmpty()) {
            throw new FusedRnnException(file + ": --prefix selects PyTorch state_dict keys, but the file is a Keras model");
        }
        String f = file.toString();
        try {
            if (zip) {
                try (BoundedZip z = BoundedZip.open(file)) {
                    JsonNode config = json(f, "config.json", z.read("config.json", MAX_CONFIG_BYTES));
                    byte[] h5 = z.read("model.weights.h5", BoundedZip.MAX_ENTRY_BYTES);
                    try (HdfFile hdf = HdfFile.fromBytes(h5)) {
                        return build(f, config, new KerasWeights.V3(f + ": model.weights.h5", hdf, h5.length));
                    }
                }
            }
            try (HdfFile hdf = new HdfFile(file)) {
                io.jhdf.api.Attribute a = hdf.getAttribute("model_config");
                if (a == null) {
                    throw new FusedRnnException(f + ": an HDF5 file without a 'model_config' attribute (weights only, from save_weights?);"
                            + " expected a Keras whole-model .h5 (model.save('m.h5')) or a .keras file");
                }
                JsonNode config = json(f, "model_config", KerasWeights.text(f, a).getBytes(StandardCharsets.UTF_8));
                return build(f, config, new KerasWeights.Legacy(f, hdf, Files.size(file)));
            }
        } catch (FusedRnnException e) {
            throw e;
        } catch (StackOverflowError e) { // a hostile HDF5 file can nest groups or messages without end
            throw new FusedRnnException(f + ": cannot read the Keras model (structures nested too deeply)", e);
        } catch (Exception e) {
            throw new FusedRnnException(f + ": cannot read the Keras model (" + oneLine(e) + ")", e);
        }
    }

    private static JsonNode json(String file, String what, byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new FusedRnnException(file + ": " + what + " is not valid JSON (" + oneLine(e) + ")", e);
        }
    }

    private static RnnModel build(String file, JsonNode root, KerasWeights weights) {
        String cls = root.path("class_name").asText();
        boolean functional = cls.equals("Functional") || cls.equals("Model");
        if (!cls.equals("Sequential") && !functional) {
            throw new FusedRnnException(file + ": model class '" + cls + "': only Sequential models and Functional ones whose layers"
                    + " form one chain are read (expected class_name Sequential or Functional)");
        }
        JsonNode layers = root.path("config").path("layers");
        if (!layers.isArray()) throw new FusedRnnException(file + ": config has no layers list");
        if (functional) checkChain(file, root.path("config"));
        List<KerasLayer> rnns = new ArrayList<>();
        List<String> after = new ArrayList<>();
        Map<String, Integer> used = new HashMap<>();
        for (JsonNode l : layers) {
            String lc = l.path("class_name").asText();
            String name = l.path("config").path("name").asText(lc);
            if (lc.equals("InputLayer")) continue;
            String key = unique(snake(lc), used); // .keras paths name a Sequential's layers by class (saving_lib)
            switch (lc) {
                case "LSTM", "GRU" -> {
                    if (!after.isEmpty()) throw between(file, name, after);
                    rnns.add(KerasLayer.of(file, name, key, l, false));
                }
                case "Bidirectional" -> {
                    if (!after.isEmpty()) throw between(file, name, after);
                    JsonNode c = l.path("config");
                    String merge = c.path("merge_mode").asText("concat");
                    if (!merge.equals("concat")) {
                        throw new FusedRnnException(file + ": layer '" + name + "' (Bidirectional): merge_mode='" + merge + "' is not supported (only 'concat')");
                    }
                    KerasLayer fwd = KerasLayer.of(file, name, key, c.path("layer"), true);
                    if (c.has("backward_layer") && !c.get("backward_layer").isNull()) {
                        KerasLayer bwd = KerasLayer.of(file, name, key, c.get("backward_layer"), true);
                        if (!bwd.cell().equals(fwd.cell()) || bwd.resetAfter() != fwd.resetAfter() || bwd.useBias() != fwd.useBias()) {
                            throw new FusedRnnException(file + ": layer '" + name + "' (Bidirectional): the backward layer differs from the forward one");
                        }
                    }
                    rnns.add(fwd);
                }
                case "Dropout", "SpatialDropout1D", "GaussianDropout", "GaussianNoise", "AlphaDropout" -> {
                    // identity at inference
                }
                default -> {
                    if (rnns.isEmpty()) {
                        throw new FusedRnnException(file + ": layer '" + name + "' (" + lc + ") comes before the LSTM/GRU layers: not supported"
                                + " (only InputLayer and dropout may precede them)");
                    }
                    after.add(name + " (" + lc + ")");
                }
            }
        }
        if (rnns.isEmpty()) throw new FusedRnnException(file + ": no LSTM, GRU or Bidirectional layer in the Sequential model");
        List<LayerWeights> all = new ArrayList<>();
        RnnConfig first = null;
        for (int k = 0; k < rnns.size(); k++) {
            KerasLayer l = rnns.get(k);
            if (k < rnns.size() - 1 && !l.returnSequences()) {
                throw new FusedRnnException(file + ": layer '" + l.name() + "' has return_sequences=False but feeds layer '" + rnns.get(k + 1).name()
                        + "': expected True");
            }
            List<RnnModel> dirs = new ArrayList<>();
            for (String d : l.bidirectional() ? List.of("forward_layer", "backward_layer") : List.of("")) {
                List<NdArray> v = weights.variables(l, d);
                int want = l.useBias() ? 3 : 2;
                if (v.size() != want) {
                    throw new FusedRnnException(file + ": layer '" + l.name() + "'" + (d.isEmpty() ? "" : " " + d) + ": expected " + want
                            + " variables (kernel, recurrent_kernel" + (want == 3 ? ", bias" : "") + "), found " + v.size());
                }
                NdArray bias = want == 3 ? v.get(2) : null;
                try {
                    dirs.add(l.cell().equals("LSTM") ? KerasConverter.lstm(v.get(0), v.get(1), bias) : KerasConverter.gru(v.get(0), v.get(1), bias, l.resetAfter()));
                } catch (FusedRnnException e) {
                    throw new FusedRnnException(file + ": layer '" + l.name() + "'" + (d.isEmpty() ? "" : " " + d) + ": " + e.getMessage(), e);
                }
            }
            RnnConfig c = dirs.get(0).config();
            if (first == null) {
                first = c;
            } else if (c.cell() != first.cell() || c.hiddenSize() != first.hiddenSize() || c.linearBeforeReset() != first.linearBeforeReset()
                    || l.bidirectional() != rnns.get(0).bidirectional() || c.inputSize() != (rnns.get(0).bidirectional() ? 2 : 1) * first.hiddenSize()) {
                throw new FusedRnnException(file + ": layer '" + l.name() + "' (" + c.describe() + (l.bidirectional() ? " bidirectional" : "")
                        + ") does not stack on '" + rnns.get(0).name() + "' (" + first.describe() + "): every RNN layer must have the same cell, units and directions");
            }
            for (RnnModel m : dirs) all.addAll(m.weights());
        }
        boolean bidi = rnns.get(0).bidirectional();
        RnnConfig config = new RnnConfig(first.cell(), first.inputSize(), first.hiddenSize(), 0, rnns.size(), bidi,
                first.cell() == Cell.GRU ? first.linearBeforeReset() : true, rnns.get(0).useBias());
        String what = file + " layers " + rnns.stream().map(KerasLayer::name).toList() + (after.isEmpty() ? "" : " (not run: " + after + ")");
        return new RnnModel(config, all, new ModelSource("Keras", what, true));
    }

    /**
     * A Functional model is read as the Sequential one it equals when its layers form one chain: one
     * input, one output, and each layer after the input called once, on the output of the layer
     * listed before it, with no other tensors (no initial_state, no mask). Its weights are stored as a
     * Sequential's are: by class name in layer order in a .keras file, by layer name in an .h5 one.
     * Both configs' call records are read: Keras 3's ({@code args} holding {@code __keras_tensor__}s
     * with a {@code keras_history}) and tf.keras 2's ({@code [[name, node, tensor, kwargs]]}).
     */
    static void checkChain(String file, JsonNode config) {
        for (String end : new String[] {"input_layers", "output_layers"}) {
            JsonNode e = config.path(end);
            // one tensor: [[name, 0, 0]], or (Keras 3, a single input) [name, 0, 0]
            int n = !e.isArray() ? 0 : e.size() > 0 && e.get(0).isTextual() ? 1 : e.size();
            if (n != 1) {
                throw new FusedRnnException(file + ": a Functional model with " + n + " " + end.replace("_layers", "s")
                        + ONE_CHAIN);
            }
        }
        String previous = null;
        for (JsonNode l : config.path("layers")) {
            String cls = l.path("class_name").asText(), name = l.has("name") ? l.path("name").asText() : l.path("config").path("name").asText(cls);
            JsonNode nodes = l.path("inbound_nodes");
            if (cls.equals("InputLayer")) {
                if (previous != null) throw new FusedRnnException(file + ": input layer '" + name + "' after layer '" + previous + "'" + ONE_CHAIN);
                previous = name;
                continue;
            }
            if (!nodes.isArray() || nodes.size() != 1) {
                throw new FusedRnnException(file + ": layer '" + name + "' (" + cls + ") is called " + (nodes.isArray() ? nodes.size() : 0)
                        + " times" + ONE_CHAIN);
            }
            List<String> sources = new ArrayList<>();
            boolean extra = callSources(nodes.get(0), sources);
            if (sources.size() != 1 || !sources.get(0).equals(previous)) {
                throw new FusedRnnException(file + ": layer '" + name + "' (" + cls + ") takes " + (sources.isEmpty() ? "no layer's output" : sources)
                        + (previous == null ? "" : ", not just the output of '" + previous + "'") + ONE_CHAIN);
            }
            if (extra) {
                throw new FusedRnnException(file + ": layer '" + name + "' (" + cls + ") is called with more than its input (initial_state or mask?): not supported");
            }
            previous = name;
        }
    }

    /** Adds the source layers of one call record to {@code out}; returns whether the call passes other tensors or arguments. */
    private static boolean callSources(JsonNode node, List<String> out) {
        if (node.isObject()) { // Keras 3: {"args": [...], "kwargs": {...}}
            collectTensors(node.path("args"), out);
            return passesMore(node.path("kwargs"));
        }
        boolean extra = false; // tf.keras 2: [[name, node index, tensor index, kwargs], ...]
        for (JsonNode t : node) {
            if (t.isArray() && t.size() >= 1 && t.get(0).isTextual()) {
                out.add(t.get(0).asText());
                if (t.size() > 3 && passesMore(t.get(3))) extra = true;
            }
        }
        return extra;
    }

    /** Whether a call's keyword arguments pass anything but {@code training} (an initial_state, a mask). */
    private static boolean passesMore(JsonNode kwargs) {
        for (var f : kwargs.properties()) {
            if (!f.getKey().equals("training") && !f.getValue().isNull()) return true;
        }
        return false;
    }

    /** The layers whose outputs a Keras 3 call's args hold ({@code __keras_tensor__}s, in lists at any depth). */
    private static void collectTensors(JsonNode v, List<String> out) {
        if (v.isArray()) {
            for (JsonNode e : v) collectTensors(e, out);
        } else if (v.isObject()) {
            if (v.path("class_name").asText().equals("__keras_tensor__")) {
                JsonNode h = v.path("config").path("keras_history");
                if (h.isArray() && h.size() > 0) out.add(h.get(0).asText());
            } else {
                for (JsonNode e : v) collectTensors(e, out);
            }
        }
    }

    private static FusedRnnException between(String file, String name, List<String> others) {
        return new FusedRnnException(file + ": layer '" + name + "' follows " + others + ": only LSTM/GRU/Bidirectional layers may chain (and dropout)");
    }

    /** Keras' naming.to_snake_case for class names such as {@code LSTM}, {@code GRU}, {@code Bidirectional}. */
    static String snake(String cls) {
        String s = cls.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        s = s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
        return s;
    }

    private static String unique(String name, Map<String, Integer> used) {
        Integer n = used.get(name);
        if (n == null) {
            used.put(name, 0);
            return name;
        }
        used.put(name, n + 1);
        return name + "_" + (n + 1);
    }

    static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ').replace('\r', ' ');
    }
}
