package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

import java.util.Arrays;

/** Splits [L·D, B, n] state tensors into per-sweep [B, n] tensors and joins them back, with copies on the backend. */
final class States {
    private States() {
    }

    /** Checks that an optional operand has {@code shape} and lives on {@code backend} in {@code precision}. */
    static void check(String name, Tensor t, Backend backend, Precision precision, int... shape) {
        if (t == null) return;
        t.checkOpen();
        if (!Arrays.equals(t.shape(), shape)) {
            throw new FusedRnnException(name + ": expected " + Arrays.toString(shape) + ", found " + Arrays.toString(t.shape()));
        }
        if (t.backend() != backend) {
            throw new FusedRnnException(name + ": expected a tensor of backend " + backend.name() + ", found one of " + t.backend().name());
        }
        if (t.precision() != precision) {
            throw new FusedRnnException(name + ": expected " + precision + " like the model, found " + t.precision());
        }
    }

    /** {@code parts} tensors [B, n] from t [parts, B, n]; all null when t is null. */
    static Tensor[] split(Backend backend, Precision precision, Tensor t, int parts) {
        Tensor[] out = new Tensor[parts];
        if (t == null) return out;
        int batch = t.dim(1), n = t.dim(2);
        long part = (long) batch * n;
        try {
            for (int i = 0; i < parts; i++) {
                out[i] = backend.allocate(precision, batch, n);
                out[i].copyFrom(t, Tensor.Block.contiguous(i * part, 0, part));
            }
        } catch (RuntimeException e) {
            close(out);
            throw e;
        }
        return out;
    }

    /** One tensor [parts, B, n] holding the given [B, n] tensors in order. */
    static Tensor concat(Backend backend, Precision precision, Tensor[] parts) {
        int batch = parts[0].dim(0), n = parts[0].dim(1);
        long part = (long) batch * n;
        Tensor all = backend.allocate(precision, parts.length, batch, n);
        try {
            for (int i = 0; i < parts.length; i++) all.copyFrom(parts[i], Tensor.Block.contiguous(0, i * part, part));
        } catch (RuntimeException e) {
            all.close();
            throw e;
        }
        return all;
    }

    /** A new tensor [B, A, C] holding t [A, B, C] with its first two dimensions swapped (copies on the backend). */
    static Tensor swapFirstTwo(Backend backend, Tensor t) {
        int a = t.dim(0), b = t.dim(1), c = t.dim(2);
        Tensor out = backend.allocate(t.precision(), b, a, c);
        try {
            for (Tensor.Block block : Tensor.Block.swapFirstTwo(a, b, c, 0, 0)) out.copyFrom(t, block);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /** Closes every non-null tensor (closing twice is harmless). */
    static void close(AutoCloseable... items) {
        for (AutoCloseable c : items) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
