package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.formats.FormatSniffer;
import io.fusedrnn.formats.ModelFormat;
import io.fusedrnn.formats.Text;
import io.fusedrnn.formats.keras.KerasLoader;
import io.fusedrnn.formats.onnx.OnnxLoader;
import io.fusedrnn.formats.torch.TorchArchive;
import io.fusedrnn.io.SafetensorsFile;

import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;

/**
 * A stacked, optionally bidirectional RNN on the host: its {@link RnnConfig} and one
 * {@link LayerWeights} per layer-direction, indexed {@code layer · D + direction} (direction 1 is
 * PyTorch's {@code _reverse}), the same order as the rows of h_n, and where it was loaded from.
 *
 * @param config cell, sizes, layers and directions
 * @param weights one entry per layer-direction, in h_n's row order
 * @param source where the model was loaded from ({@link ModelSource#NONE} for one built in memory)
 */
public record RnnModel(RnnConfig config, List<LayerWeights> weights, ModelSource source) {

    /**
     * A model built in memory.
     *
     * @param config cell, sizes, layers and directions
     * @param weights one entry per layer-direction, in h_n's row order
     */
    public RnnModel(RnnConfig config, List<LayerWeights> weights) {
        this(config, weights, ModelSource.NONE);
    }

    /** Checks the weights against the config, one line naming the first layer-direction that differs; a null source becomes {@link ModelSource#NONE}. */
    public RnnModel {
        if (config == null) throw new FusedRnnException("model: config is null");
        if (source == null) source = ModelSource.NONE;
        weights = List.copyOf(weights);
        if (weights.size() != config.sweeps()) {
            throw new FusedRnnException("model weights: expected " + config.sweeps() + " layer-directions (L·D), found " + weights.size());
        }
        for (int i = 0; i < weights.size(); i++) {
            LayerSpec want = config.layerSpec(i / config.directions());
            LayerSpec got = weights.get(i).spec();
            if (!want.equals(got)) {
                throw new FusedRnnException("model weights " + name(config, i) + ": expected " + want.describe() + ", found " + got.describe());
            }
        }
    }

    /**
     * Loads the RNN in a model file: the one entry point that {@code infer}, {@code serve} and the
     * Spark transformer use. The format is recognised by content: safetensors and torch.save zip
     * (PyTorch state_dicts, {@code options.prefix()}), ONNX ({@code options.node()}), Keras .keras
     * and .h5. Anything else, or a format that is recognised but not run, is one line naming the
     * file, what was found and what is accepted.
     *
     * @param file the model file
     * @param options which RNN to take when the file holds several
     * @return the model, with its source recorded
     */
    public static RnnModel load(Path file, LoadOptions options) {
        try {
            return loadAny(file, options);
        } catch (FusedRnnException e) { // names from the file may hold line breaks: the message stays one line
            String m = String.valueOf(e.getMessage());
            String clean = Text.oneLine(m.length() > 4000 ? m.substring(0, 4000) + "…" : m);
            if (clean.equals(m)) throw e;
            throw new FusedRnnException(clean, e);
        }
    }

    private static RnnModel loadAny(Path file, LoadOptions options) {
        LoadOptions o = options == null ? LoadOptions.defaults() : options;
        ModelFormat format = FormatSniffer.detect(file);
        if (o.node() != null && format != ModelFormat.ONNX) {
            throw new FusedRnnException(file + ": --node selects an ONNX node, but the file is " + format.label() + " (use --prefix)");
        }
        RnnModel m = switch (format) {
            case SAFETENSORS -> {
                try (SafetensorsFile f = SafetensorsFile.open(file)) {
                    yield PyTorchImporter.load(f, o.prefix());
                }
            }
            case TORCH_ZIP -> {
                try (TorchArchive a = TorchArchive.open(file)) {
                    yield PyTorchImporter.load(a, o.prefix());
                }
            }
            case TORCH_LEGACY -> throw new FusedRnnException(file + ": PyTorch legacy (pre-1.6) torch.save format is not read; re-save it in the"
                    + " zip format with PyTorch >= 1.6: torch.save(torch.load(old), new) (or save it as safetensors or ONNX)");
            case ONNX -> OnnxLoader.load(file, o);
            case KERAS_ZIP, HDF5 -> KerasLoader.load(file, format == ModelFormat.KERAS_ZIP, o);
        };
        if (m.source() != ModelSource.NONE) return m;
        String what = file + (o.prefix() == null || o.prefix().isEmpty() ? "" : " prefix " + o.prefix());
        return new RnnModel(m.config(), m.weights(), new ModelSource(format.label(), what, false));
    }

    /**
     * Loads the only RNN in a model file.
     *
     * @param file the model file
     * @return the model, with its source recorded
     */
    public static RnnModel load(Path file) {
        return load(file, LoadOptions.defaults());
    }

    /**
     * Seeded random weights like PyTorch's init (for tests and benchmarks).
     *
     * @param config cell, sizes, layers and directions
     * @param seed the same seed gives the same weights
     * @return the model
     */
    public static RnnModel random(RnnConfig config, long seed) {
        List<LayerWeights> w = new ArrayList<>();
        for (int i = 0; i < config.sweeps(); i++) {
            LayerWeights lw = LayerWeights.random(config.layerSpec(i / config.directions()), seed + 7919L * i);
            if (!config.bias()) {
                lw = new LayerWeights(lw.spec(), lw.wIh(), lw.wHh(), new double[lw.bIh().length], new double[lw.bHh().length], lw.wHr());
            }
            w.add(lw);
        }
        return new RnnModel(config, w);
    }

    /**
     * {@return the weights of one layer-direction}
     *
     * @param layer layer index, 0 for the one that reads x
     * @param direction 0 forward, 1 reverse
     */
    public LayerWeights layer(int layer, int direction) {
        return weights.get(layer * config.directions() + direction);
    }

    /**
     * Uploads and packs every layer-direction once on {@code backend}.
     *
     * @param backend where the sweeps will run
     * @param precision element type the sweeps compute in
     * @return the prepared model; close it when done
     */
    public PreparedRnn prepare(Backend backend, Precision precision) {
        return PreparedRnn.prepare(this, backend, precision);
    }

    /**
     * PyTorch's suffix for layer-direction {@code index}, e.g. {@code l1_reverse}.
     *
     * @param config decides whether directions get a {@code _reverse} suffix
     * @param index layer-direction index, {@code layer · D + direction}
     * @return the suffix
     */
    public static String name(RnnConfig config, int index) {
        int d = config.directions();
        return "l" + index / d + (index % d == 1 ? "_reverse" : "");
    }
}
