package io.fusedrnn.model;

import io.fusedrnn.Cell;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.SafetensorsFile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads an {@code nn.LSTM}/{@code nn.GRU} {@code state_dict} saved as safetensors or torch.save ({@link TensorSource}). The keys
 * ({@code [prefix]weight_ih_l{k}[_reverse]}, {@code weight_hh_…}, {@code bias_ih_…},
 * {@code bias_hh_…}, {@code weight_hr_…}) and their shapes give the cell (4H rows LSTM, 3H GRU),
 * H, P, L, D and whether there are biases; the prefix ({@code encoder.rnn.}) is found when exactly
 * one RNN is in the file, or given. Tensors of any stored type are widened to double.
 */
public final class PyTorchImporter {
    private static final String FIRST = "weight_ih_l0";
    private static final Pattern PARAM = Pattern.compile("(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\\d+)(_reverse)?");

    private PyTorchImporter() {
    }

    /**
     * Loads the only RNN in the file.
     *
     * @param file an open safetensors file
     * @return the model
     */
    public static RnnModel load(SafetensorsFile file) {
        return load(file, null);
    }

    /**
     * Loads the RNN whose keys start with {@code prefix} (null or empty: find the only one).
     *
     * @param file an open safetensors file
     * @param prefix start of the wanted keys, or null
     * @return the model
     */
    public static RnnModel load(SafetensorsFile file, String prefix) {
        return load(TensorSource.of(file), prefix);
    }

    /**
     * Loads the RNN whose keys start with {@code prefix} from any named tensors (null or empty: find the only one).
     *
     * @param file named tensors from any reader
     * @param prefix start of the wanted keys, or null
     * @return the model
     */
    public static RnnModel load(TensorSource file, String prefix) {
        String p = resolvePrefix(file, prefix);
        String f = file.file();
        int layers = 0;
        while (file.contains(p + "weight_ih_l" + layers)) layers++;
        boolean bidirectional = file.contains(p + "weight_ih_l0_reverse");
        int[] wih = matrix(file, p + FIRST);
        int[] whh = matrix(file, p + "weight_hh_l0");
        boolean proj = file.contains(p + "weight_hr_l0");
        boolean bias = file.contains(p + "bias_ih_l0");
        int rows = wih[0], hidden, projSize = 0;
        Cell cell;
        if (proj) {
            int[] whr = matrix(file, p + "weight_hr_l0");
            projSize = whr[0];
            hidden = whr[1];
            cell = Cell.LSTM;
            if (rows != 4 * hidden) {
                throw new FusedRnnException(f + ": " + p + FIRST + " " + Arrays.toString(wih) + ": expected 4·H = " + 4 * hidden
                        + " rows (LSTM with projection, H from weight_hr_l0 " + Arrays.toString(whr) + "), found " + rows);
            }
        } else {
            hidden = whh[1];
            if (hidden < 1 || rows % hidden != 0 || (rows / hidden != 4 && rows / hidden != 3)) {
                throw new FusedRnnException(f + ": " + p + FIRST + " " + Arrays.toString(wih) + ": expected 4·H (LSTM) or 3·H (GRU) rows with H = "
                        + hidden + " from weight_hh_l0 " + Arrays.toString(whh) + ", found " + rows);
            }
            cell = rows / hidden == 4 ? Cell.LSTM : Cell.GRU;
        }
        RnnConfig config;
        try {
            config = new RnnConfig(cell, wih[1], hidden, projSize, layers, bidirectional, true, bias);
        } catch (FusedRnnException e) {
            throw new FusedRnnException(f + ": " + e.getMessage(), e);
        }
        checkNoStrays(file, p, config);
        List<LayerWeights> weights = new ArrayList<>();
        for (int i = 0; i < config.sweeps(); i++) {
            weights.add(layer(file, p, config, i));
        }
        return new RnnModel(config, weights);
    }

    private static LayerWeights layer(TensorSource file, String p, RnnConfig config, int index) {
        String suffix = RnnModel.name(config, index);
        LayerSpec s = config.layerSpec(index / config.directions());
        int rows = s.gateRows();
        double[] wIh = tensor(file, p + "weight_ih_" + suffix, rows, s.inputSize());
        double[] wHh = tensor(file, p + "weight_hh_" + suffix, rows, s.outputSize());
        double[] bIh = config.bias() ? tensor(file, p + "bias_ih_" + suffix, rows) : new double[rows];
        double[] bHh = config.bias() ? tensor(file, p + "bias_hh_" + suffix, rows) : new double[rows];
        double[] wHr = s.projSize() > 0 ? tensor(file, p + "weight_hr_" + suffix, s.projSize(), s.hiddenSize()) : null;
        return new LayerWeights(s, wIh, wHh, bIh, bHh, wHr);
    }

    private static double[] tensor(TensorSource file, String name, int... shape) {
        if (!file.contains(name)) {
            throw new FusedRnnException(file.file() + ": missing tensor '" + name + "' (expected " + Arrays.toString(shape) + ")");
        }
        NdArray a = file.read(name);
        if (!a.hasShape(shape)) {
            throw new FusedRnnException(file.file() + ": tensor '" + name + "': expected shape " + Arrays.toString(shape) + ", found " + a.shapeText());
        }
        return a.data();
    }

    private static int[] matrix(TensorSource file, String name) {
        if (!file.contains(name)) throw new FusedRnnException(file.file() + ": missing tensor '" + name + "'");
        int[] s = file.shape(name);
        if (s.length != 2) throw new FusedRnnException(file.file() + ": tensor '" + name + "': expected a matrix, found shape " + Arrays.toString(s));
        return s;
    }

    /** Rejects RNN parameters under the prefix that the inferred configuration does not have. */
    private static void checkNoStrays(TensorSource file, String p, RnnConfig config) {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < config.sweeps(); i++) {
            String suffix = RnnModel.name(config, i);
            for (String w : new String[] {"weight_ih_", "weight_hh_"}) expected.add(p + w + suffix);
            if (config.bias()) for (String w : new String[] {"bias_ih_", "bias_hh_"}) expected.add(p + w + suffix);
            if (config.projSize() > 0) expected.add(p + "weight_hr_" + suffix);
        }
        for (String name : file.names()) {
            if (!name.startsWith(p)) continue;
            Matcher m = PARAM.matcher(name.substring(p.length()));
            if (m.matches() && !expected.contains(name)) {
                throw new FusedRnnException(file.file() + ": unexpected tensor '" + name + "' for the " + config.describe()
                        + " inferred from the other keys (a missing layer, direction or bias?)");
            }
        }
    }

    private static String resolvePrefix(TensorSource file, String prefix) {
        Set<String> found = new TreeSet<>();
        for (String name : file.names()) {
            if (name.endsWith(FIRST)) {
                String p = name.substring(0, name.length() - FIRST.length());
                if (p.isEmpty() || p.endsWith(".")) found.add(p);
            }
        }
        if (prefix != null && !prefix.isEmpty()) {
            String p = prefix.endsWith(".") ? prefix : prefix + ".";
            if (!found.contains(p)) {
                throw new FusedRnnException(file.file() + ": no tensor '" + p + FIRST + "' for prefix '" + prefix + "' (RNN prefixes found: "
                        + quoted(found) + ")");
            }
            return p;
        }
        if (found.isEmpty()) {
            throw new FusedRnnException(file.file() + ": no LSTM/GRU weights: expected a key ending in '" + FIRST
                    + "' (an nn.LSTM or nn.GRU state_dict), found " + file.names().size() + " other tensors");
        }
        if (found.size() > 1) {
            throw new FusedRnnException(file.file() + ": " + found.size() + " RNNs found (prefixes " + quoted(found) + "); choose one with --prefix");
        }
        return found.iterator().next();
    }

    private static String quoted(Set<String> prefixes) {
        if (prefixes.isEmpty()) return "none";
        List<String> q = new ArrayList<>();
        for (String p : prefixes) q.add("'" + p + "'");
        return String.join(", ", q);
    }
}
