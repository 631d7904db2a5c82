package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;

import java.util.Arrays;

/** Splits [L·D, B, n] state tensors into per-sweep [B, n] tensors and joins them back (small host copies). */
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
        double[] all = t.toDoubleArray();
        try {
            for (int i = 0; i < parts; i++) {
                out[i] = backend.upload(precision, Arrays.copyOfRange(all, i * batch * n, (i + 1) * batch * n), batch, n);
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
        double[] all = new double[parts.length * batch * n];
        for (int i = 0; i < parts.length; i++) {
            System.arraycopy(parts[i].toDoubleArray(), 0, all, i * batch * n, batch * n);
        }
        return backend.upload(precision, all, parts.length, batch, n);
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
