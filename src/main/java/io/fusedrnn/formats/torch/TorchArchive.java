package io.fusedrnn.formats.torch;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.formats.BoundedZip;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.model.TensorSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code torch.save} zip archive ({@code <root>/data.pkl}, {@code <root>/data/<key>},
 * {@code <root>/byteorder}) read as named tensors. The pickle goes through
 * {@link RestrictedUnpickler}; nested dicts (training checkpoints) are flattened with "." so
 * {@code model_state_dict.rnn.weight_ih_l0} is a name. Storages are read on first use and shared by
 * every view of them; views are checked to lie inside their storage.
 */
public final class TorchArchive implements TensorSource, AutoCloseable {
    /** The largest data.pkl read. */
    static final long MAX_PICKLE_BYTES = 256L << 20;
    /** The deepest nesting of dicts flattened into names. */
    static final int MAX_DEPTH = 64;

    private final String file;
    private final BoundedZip zip;
    private final String root;
    private final ByteOrder order;
    private final Map<String, TorchTensor> tensors;
    private final Map<String, ByteBuffer> storages = new HashMap<>();

    private TorchArchive(String file, BoundedZip zip, String root, ByteOrder order, Map<String, TorchTensor> tensors) {
        this.file = file;
        this.zip = zip;
        this.root = root;
        this.order = order;
        this.tensors = tensors;
    }

    /**
     * Opens and unpickles {@code path}; every problem is one line naming the file and entry.
     *
     * @param path the torch.save zip
     * @return the open archive; close it when done
     */
    public static TorchArchive open(Path path) {
        BoundedZip zip = BoundedZip.open(path);
        try {
            String file = path.toString();
            String root = zip.torchRoot();
            if (root == null) throw new FusedRnnException(file + ": no */data.pkl entry: not a torch.save archive");
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            if (zip.has(root + "byteorder")) {
                String bo = new String(zip.read(root + "byteorder", 16), StandardCharsets.US_ASCII).trim();
                if (bo.equals("big")) order = ByteOrder.BIG_ENDIAN;
                else if (!bo.equals("little")) throw new FusedRnnException(file + ": " + root + "byteorder: expected little or big, found '" + bo + "'");
            }
            String where = file + ": " + root + "data.pkl";
            byte[] pkl = zip.read(root + "data.pkl", MAX_PICKLE_BYTES);
            Object top = RestrictedUnpickler.load(where, pkl, id -> storage(where, id));
            Map<String, TorchTensor> tensors = new LinkedHashMap<>();
            if (top instanceof TorchTensor t) tensors.put("", t);
            else if (top instanceof Map<?, ?> m) flatten(where, "", m, tensors, 0);
            else throw new FusedRnnException(where + ": expected a dict of tensors (a state_dict), found " + RestrictedUnpickler.describe(top));
            return new TorchArchive(file, zip, root, order, tensors);
        } catch (RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /** persistent_id ('storage', storage_type, key, location, numel) → a storage reference. */
    private static TorchStorage storage(String where, Pickle.Tuple id) {
        List<Object> a = id.items();
        if (a.size() != 5 || !"storage".equals(a.get(0))) {
            throw new FusedRnnException(where + ": persistent id: expected ('storage', type, key, location, numel), found " + a.size() + " items");
        }
        TorchDType dtype = null;
        if (a.get(1) instanceof Pickle.Global g) {
            dtype = RestrictedUnpickler.STORAGES.get(g.name());
            if (dtype == null) dtype = TorchDType.byTorchName(g.name());
        }
        if (dtype == null) throw new FusedRnnException(where + ": persistent id: expected a storage type, found " + RestrictedUnpickler.describe(a.get(1)));
        if (!(a.get(2) instanceof String key) || key.isEmpty() || key.contains("/") || key.contains("..")) {
            throw new FusedRnnException(where + ": persistent id: expected a storage key, found " + RestrictedUnpickler.describe(a.get(2)));
        }
        if (!(a.get(4) instanceof Long numel) || numel < 0) {
            throw new FusedRnnException(where + ": storage " + key + ": expected an element count, found " + RestrictedUnpickler.describe(a.get(4)));
        }
        return new TorchStorage(key, dtype, numel);
    }

    /** Names every tensor in nested dicts by its path joined with "."; nesting (or a dict holding itself) is bounded. */
    private static void flatten(String where, String prefix, Map<?, ?> m, Map<String, TorchTensor> out, int depth) {
        if (depth > MAX_DEPTH) throw new FusedRnnException(where + ": dicts nested deeper than " + MAX_DEPTH + " levels (or a dict that holds itself)");
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object k = e.getKey();
            if (!(k instanceof String) && !(k instanceof Long)) continue;
            String name = prefix + k;
            if (e.getValue() instanceof TorchTensor t) out.put(name, t);
            else if (e.getValue() instanceof Map<?, ?> inner) flatten(where, name + ".", inner, out, depth + 1);
        }
    }

    @Override
    public String file() {
        return file;
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    @Override
    public int[] shape(String name) {
        return tensor(name).size().clone();
    }

    /**
     * {@return the element type of a tensor, e.g. {@code float16}}
     *
     * @param name the tensor's key
     */
    public String dtype(String name) {
        return tensor(name).storage().dtype().torchName;
    }

    @Override
    public NdArray read(String name) {
        TorchTensor t = tensor(name);
        TorchStorage s = t.storage();
        String what = file + ": tensor '" + name + "' (storage " + root + "data/" + s.key() + ")";
        int rank = t.size().length;
        if (t.stride().length != rank) {
            throw new FusedRnnException(what + ": " + rank + " sizes but " + t.stride().length + " strides");
        }
        long n = 1, last = t.offset();
        for (int d = 0; d < rank; d++) {
            n = Math.multiplyExact(n, t.size()[d]);
            if (t.stride()[d] < 0) throw new FusedRnnException(what + ": negative stride " + t.stride()[d]);
        }
        if (n > Integer.MAX_VALUE - 8) throw new FusedRnnException(what + ": " + n + " elements, more than a Java array holds");
        if (n > 0) {
            for (int d = 0; d < rank; d++) last = Math.addExact(last, Math.multiplyExact((long) t.size()[d] - 1, t.stride()[d]));
            if (t.offset() < 0 || last >= s.numel()) {
                throw new FusedRnnException(what + ": view (offset " + t.offset() + ", size " + Arrays.toString(t.size()) + ", stride "
                        + Arrays.toString(t.stride()) + ") reaches element " + last + ", past the storage's " + s.numel());
            }
        }
        ByteBuffer buf = storageBytes(s, what);
        double[] out = new double[(int) n];
        int[] idx = new int[rank];
        long at = t.offset();
        for (int i = 0; i < out.length; i++) {
            out[i] = s.dtype().get(buf, at);
            for (int d = rank - 1; d >= 0; d--) { // odometer over the view
                at += t.stride()[d];
                if (++idx[d] < t.size()[d]) break;
                at -= t.stride()[d] * t.size()[d];
                idx[d] = 0;
            }
        }
        return new NdArray(t.size().clone(), out);
    }

    private ByteBuffer storageBytes(TorchStorage s, String what) {
        long want = Math.multiplyExact(s.numel(), s.dtype().size);
        ByteBuffer buf = storages.get(s.key());
        if (buf == null) {
            String entry = root + "data/" + s.key();
            if (!zip.has(entry)) throw new FusedRnnException(what + ": missing zip entry '" + entry + "'");
            buf = ByteBuffer.wrap(zip.read(entry, want)).order(order);
            storages.put(s.key(), buf);
        }
        if (buf.capacity() != want) {
            throw new FusedRnnException(what + ": expected " + want + " bytes (" + s.numel() + " × " + s.dtype().torchName + "), found " + buf.capacity());
        }
        return buf;
    }

    private TorchTensor tensor(String name) {
        TorchTensor t = tensors.get(name);
        if (t == null) throw new FusedRnnException(file + ": no tensor '" + name + "'");
        return t;
    }

    @Override
    public void close() {
        zip.close();
    }
}
