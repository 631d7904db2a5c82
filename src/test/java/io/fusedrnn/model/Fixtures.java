package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.SafetensorsFile;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/** Test helpers: committed fixture files, backends that open here, and tolerance checks. */
public final class Fixtures {
    /** Backends every model test tries; those that do not open here are skipped with the reason. */
    public static final List<String> BACKENDS = List.of("reference", "vector", "opencl");
    private static final java.util.Set<String> ANNOUNCED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Fixtures() {
    }

    /** The path of a file under src/test/resources/fixtures. */
    public static Path path(String relative) {
        URL url = Fixtures.class.getResource("/fixtures/" + relative);
        if (url == null) throw new IllegalArgumentException("no fixture " + relative);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Opens a backend by name, or aborts the test (skipped, with the reason) when it is not available. */
    public static Backend openOrSkip(String name) {
        try {
            Backend b = Backends.open(name);
            if (ANNOUNCED.add(name)) System.err.println("model tests: running on backend " + name + " (" + b.description() + ")");
            return b;
        } catch (BackendUnavailableException e) {
            if (ANNOUNCED.add(name)) System.err.println("model tests: skipping backend " + name + ": " + e.getMessage());
            return abort("backend " + name + " unavailable: " + e.getMessage());
        }
    }

    /** Uploads a fixture tensor, or returns null when the file lacks it. */
    public static Tensor upload(Backend backend, Precision p, SafetensorsFile f, String name) {
        if (!f.contains(name)) return null;
        NdArray a = f.read(name);
        return backend.upload(p, a.data(), a.shape());
    }

    /** Tolerance of a fixture comparison (docs/DESIGN.md, Tolerances): fp64 as for one sweep against PyTorch, fp32 as against the reference. */
    public static double tolerance(Precision p) {
        return p == Precision.FP64 ? io.fusedrnn.check.Tolerances.FP64_VS_PYTORCH : io.fusedrnn.check.Tolerances.FP32_FORWARD;
    }

    /**
     * Asserts the relative L2 error ‖got − want‖ / ‖want‖ is within tol and, in fp64, that every
     * element is within tol · (1 + |want|).
     */
    public static void assertClose(String what, NdArray want, Tensor got, double tol) {
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        double[] g = got.toDoubleArray(), w = want.data();
        double num = 0, den = 0;
        for (int i = 0; i < w.length; i++) {
            num += (g[i] - w[i]) * (g[i] - w[i]);
            den += w[i] * w[i];
        }
        double rel = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
        assertTrue(rel <= tol || num == 0, what + ": relative L2 error " + rel + " > " + tol);
        if (got.precision() == Precision.FP64) {
            for (int i = 0; i < w.length; i++) {
                assertTrue(Math.abs(g[i] - w[i]) <= tol * (1 + Math.abs(w[i])),
                        what + "[" + i + "]: expected " + w[i] + ", found " + g[i]);
            }
        }
    }

    /** Integer lengths stored as float64 in a fixture, or null. */
    public static int[] lengths(SafetensorsFile f) {
        if (!f.contains("lengths")) return null;
        double[] d = f.read("lengths").data();
        int[] out = new int[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (int) d[i];
        return out;
    }
}
