package io.fusedrnn.formats.keras;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.io.NdArray;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a Keras file keeps a layer's variables, in the order kernel, recurrent_kernel, bias: a
 * Keras 3 weights file ({@link V3}) or a legacy whole-model .h5 ({@link Legacy}). Datasets are
 * size-checked against the file before their data is read.
 */
abstract sealed class KerasWeights {
    final String file;
    final HdfFile hdf;
    final long fileBytes;

    KerasWeights(String file, HdfFile hdf, long fileBytes) {
        this.file = file;
        this.hdf = hdf;
        this.fileBytes = fileBytes;
    }

    /** The variables of {@code layer} ({@code direction}: "" or forward_layer/backward_layer of a Bidirectional). */
    abstract List<NdArray> variables(KerasLayer layer, String direction);

    /** Keras 3: {@code layers/<key>[/forward_layer|/backward_layer]/cell/vars/<i>}. */
    static final class V3 extends KerasWeights {
        V3(String file, HdfFile hdf, long fileBytes) {
            super(file, hdf, fileBytes);
        }

        @Override
        List<NdArray> variables(KerasLayer layer, String direction) {
            String path = "layers/" + layer.key() + (direction.isEmpty() ? "" : "/" + direction) + "/cell/vars";
            Node n = find(hdf, path);
            if (!(n instanceof Group g)) {
                throw new FusedRnnException(file + ": no group '" + path + "' for layer '" + layer.name() + "' (expected Keras 3 saving_lib's layout)");
            }
            TreeMap<Integer, Dataset> vars = new TreeMap<>();
            for (Map.Entry<String, Node> e : g.getChildren().entrySet()) {
                int i;
                try {
                    i = Integer.parseInt(e.getKey());
                } catch (NumberFormatException x) {
                    throw new FusedRnnException(file + ": " + path + "/" + e.getKey() + ": expected variables named 0, 1, 2");
                }
                if (!(e.getValue() instanceof Dataset d)) throw new FusedRnnException(file + ": " + path + "/" + e.getKey() + ": expected a dataset");
                vars.put(i, d);
            }
            List<NdArray> out = new ArrayList<>();
            int expect = 0;
            for (Map.Entry<Integer, Dataset> e : vars.entrySet()) {
                if (e.getKey() != expect++) throw new FusedRnnException(file + ": " + path + ": variables are not numbered 0.." + (vars.size() - 1));
                out.add(read(path + "/" + e.getKey(), e.getValue()));
            }
            return out;
        }
    }

    /** Legacy .h5: {@code model_weights/<layer name>} with a {@code weight_names} attribute. */
    static final class Legacy extends KerasWeights {
        Legacy(String file, HdfFile hdf, long fileBytes) {
            super(file, hdf, fileBytes);
        }

        @Override
        List<NdArray> variables(KerasLayer layer, String direction) {
            String path = "model_weights/" + layer.name();
            if (!(find(hdf, path) instanceof Group g)) throw new FusedRnnException(file + ": no group '" + path + "' for layer '" + layer.name() + "'");
            List<String> names = names(g, "weight_names");
            if (layer.bidirectional()) {
                if (names.size() % 2 != 0) throw new FusedRnnException(file + ": " + path + ": expected an even number of weights, found " + names.size());
                int half = names.size() / 2;
                names = direction.equals("forward_layer") ? names.subList(0, half) : names.subList(half, names.size());
            }
            List<NdArray> out = new ArrayList<>();
            for (String w : names) {
                if (!(find(g, w) instanceof Dataset d)) throw new FusedRnnException(file + ": " + path + ": weight '" + w + "' is not a dataset");
                out.add(read(path + "/" + w, d));
            }
            return out;
        }

        /** A list-of-strings attribute, possibly split into {@code name0}, {@code name1}, … as Keras does for long lists. */
        private List<String> names(Group g, String name) {
            List<String> out = new ArrayList<>();
            Attribute a = g.getAttribute(name);
            if (a != null) return strings(g.getPath() + "@" + name, a);
            for (int k = 0; g.getAttribute(name + k) != null; k++) out.addAll(strings(g.getPath() + "@" + name + k, g.getAttribute(name + k)));
            if (out.isEmpty()) throw new FusedRnnException(file + ": " + g.getPath() + ": no '" + name + "' attribute");
            return out;
        }

        private List<String> strings(String what, Attribute a) {
            Object d = a.getData();
            List<String> out = new ArrayList<>();
            if (d instanceof String s) {
                out.add(s);
            } else if (d != null && d.getClass().isArray()) {
                for (int i = 0; i < Array.getLength(d); i++) out.add(String.valueOf(Array.get(d, i)));
            } else {
                throw new FusedRnnException(file + ": " + what + ": expected strings, found " + (d == null ? "nothing" : d.getClass().getSimpleName()));
            }
            return out;
        }
    }

    /** A node by path, or null (jhdf throws for missing paths). */
    static Node find(Group g, String path) {
        try {
            return g.getByPath(path);
        } catch (io.jhdf.exceptions.HdfInvalidPathException e) {
            return null;
        }
    }

    /** A float32/float64 dataset's values, after checking its size against the file. */
    NdArray read(String path, Dataset d) {
        int[] shape = d.getDimensions();
        long n = NdArray.elementCount(shape);
        long bytes = d.getSizeInBytes();
        boolean filtered = !d.getFilters().isEmpty();
        long limit = Math.min(Integer.MAX_VALUE - 8L, filtered ? Math.max(fileBytes * 1000, 1 << 20) : fileBytes);
        if (n > Integer.MAX_VALUE - 8 || bytes > limit || bytes < 0) {
            throw new FusedRnnException(file + ": dataset " + path + " " + java.util.Arrays.toString(shape) + " claims " + bytes
                    + " bytes, more than the file can hold (" + fileBytes + " bytes)");
        }
        Class<?> t = d.getJavaType();
        if (t != float.class && t != double.class) {
            throw new FusedRnnException(file + ": dataset " + path + ": expected float32 or float64, found " + t.getSimpleName());
        }
        Object data = d.getDataFlat();
        double[] out = new double[(int) n];
        if (data instanceof float[] f && f.length == n) {
            for (int i = 0; i < f.length; i++) out[i] = f[i];
        } else if (data instanceof double[] x && x.length == n) {
            System.arraycopy(x, 0, out, 0, x.length);
        } else {
            throw new FusedRnnException(file + ": dataset " + path + ": expected " + n + " values, found " + (data == null ? "none" : data.getClass().getSimpleName()));
        }
        return new NdArray(shape, out);
    }

    /** A string attribute (Keras writes model_config as UTF-8 bytes). */
    static String text(String file, Attribute a) {
        Object d = a.getData();
        if (d instanceof String s) return s;
        if (d instanceof String[] s && s.length == 1) return s[0];
        if (d instanceof byte[] b) return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        throw new FusedRnnException(file + ": attribute " + a.getName() + ": expected a string, found " + (d == null ? "nothing" : d.getClass().getSimpleName()));
    }
}
