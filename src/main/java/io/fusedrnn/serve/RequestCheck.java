package io.fusedrnn.serve;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.model.RnnConfig;

import java.util.EnumSet;
import java.util.Set;

/** Checks a {@link RnnRequest} against a model before it is queued, with one-line messages (field, expected, found). */
final class RequestCheck {
    private RequestCheck() {
    }

    /** The outputs the request gets; throws {@link FusedRnnException} for anything malformed. */
    static Set<Output> check(RnnConfig cfg, RnnRequest r) {
        if (r == null) throw new FusedRnnException("request: expected a request, found null");
        boolean lstm = cfg.cell().gates() == 4;
        float[][] x = r.x();
        if (x == null) throw new FusedRnnException("x: expected [T][" + cfg.inputSize() + "] floats, found null");
        if (x.length == 0) throw new FusedRnnException("x: expected T >= 1 steps, found an empty sequence");
        rows("x", x, x.length, "T", cfg.inputSize(), "I");
        int n = cfg.sweeps();
        if (r.h0() != null) rows("h0", r.h0(), n, "L·D", cfg.outputSize(), "H_out");
        if (r.c0() != null) {
            if (!lstm) throw new FusedRnnException("c0: expected none for a GRU (no cell state), found " + r.c0().length + " rows");
            rows("c0", r.c0(), n, "L·D", cfg.hiddenSize(), "H");
        }
        Set<Output> want = r.outputs() == null ? Output.all(lstm) : r.outputs();
        if (want.isEmpty()) throw new FusedRnnException("outputs: expected at least one of \"y\", \"h_n\"" + (lstm ? ", \"c_n\"" : "") + ", found none");
        if (!lstm && want.contains(Output.C_N)) throw new FusedRnnException("outputs: expected \"y\" or \"h_n\" for a GRU (no cell state), found \"c_n\"");
        if (r.timeout() != null && (r.timeout().isNegative() || r.timeout().isZero())) {
            throw new FusedRnnException("timeout: expected > 0, found " + r.timeout());
        }
        return EnumSet.copyOf(want);
    }

    private static void rows(String field, float[][] a, int count, String countName, int width, String widthName) {
        if (a.length != count) {
            throw new FusedRnnException(field + ": expected " + count + " rows (" + countName + "), found " + a.length);
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] == null) throw new FusedRnnException(field + "[" + i + "]: expected " + width + " floats (" + widthName + "), found null");
            if (a[i].length != width) {
                throw new FusedRnnException(field + "[" + i + "]: expected " + width + " floats (" + widthName + "), found " + a[i].length);
            }
        }
    }
}
