package io.fusedrnn;

import io.fusedrnn.reference.ReferenceBackend;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Backend selection, in one place. {@code auto} tries OpenCL, then the Vector API, then the scalar
 * reference, logging one line per reason it moved on; a named backend never falls back: it throws
 * {@link BackendUnavailableException} with the reason and the fix.
 *
 * <p>The Vector API and OpenCL backends are loaded reflectively, so the library links and the
 * reference backend runs without {@code jdk.incubator.vector} or an OpenCL loader.
 */
public final class Backends {
    private static final System.Logger LOG = System.getLogger("io.fusedrnn");

    /** The fix printed when the incubator module is not readable. */
    public static final String VECTOR_FIX = "run java with --add-modules jdk.incubator.vector (./fusedrnn does)";
    /** The fix printed when no OpenCL platform is found. */
    public static final String OPENCL_FIX = "install an OpenCL ICD loader and a platform, e.g. apt-get install ocl-icd-libopencl1 pocl-opencl-icd";

    private Backends() {
    }

    /**
     * Opens a backend by name. {@code auto} picks the best available; the others never fall back.
     * {@code opencl} takes an optional device selector after a colon: {@code opencl:0:1} (platform,
     * device) or {@code opencl:NAME} (a case-insensitive substring of the device name).
     */
    public static Backend open(String name) {
        String n = name == null ? "auto" : name.trim();
        String lower = n.toLowerCase(Locale.ROOT);
        if (lower.equals("auto")) return auto(new ArrayList<>());
        if (lower.equals("reference")) return new ReferenceBackend();
        if (lower.equals("vector")) return vector();
        if (lower.equals("opencl")) return opencl("");
        if (lower.startsWith("opencl:")) return opencl(n.substring("opencl:".length()));
        throw new FusedRnnException("backend: expected one of auto, reference, vector, opencl[:platform:device|:name], found '" + name + "'");
    }

    /**
     * The best backend available; each reason for moving on is logged and also added to
     * {@code skipped} (for {@code devices}).
     */
    public static Backend auto(List<String> skipped) {
        try {
            Backend b = opencl("");
            LOG.log(System.Logger.Level.INFO, "fusedrnn: using backend opencl: " + b.description());
            return b;
        } catch (BackendUnavailableException e) {
            skip(skipped, "opencl", e);
        }
        try {
            Backend b = vector();
            LOG.log(System.Logger.Level.INFO, "fusedrnn: using backend vector: " + b.description());
            return b;
        } catch (BackendUnavailableException e) {
            skip(skipped, "vector", e);
        }
        return new ReferenceBackend();
    }

    /**
     * Every backend that opens here, fastest kind first (opencl, vector, reference); each one that
     * does not is added to {@code skipped} with its reason. The caller closes what it gets.
     */
    public static List<Backend> openAll(List<String> skipped) {
        List<Backend> found = new ArrayList<>();
        for (String name : List.of("opencl", "vector")) {
            try {
                found.add(open(name));
            } catch (BackendUnavailableException e) {
                skipped.add(name + ": " + e.getMessage());
            }
        }
        found.add(new ReferenceBackend());
        return found;
    }

    private static void skip(List<String> skipped, String which, BackendUnavailableException e) {
        skipped.add(which + ": " + e.getMessage());
        LOG.log(System.Logger.Level.WARNING, "fusedrnn: not using " + which + ": " + e.getMessage());
    }

    /** Whether the Vector API module is readable from this code. */
    public static boolean vectorModuleReadable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** The Vector API backend, or {@link BackendUnavailableException} with the fix. */
    public static Backend vector() {
        if (!vectorModuleReadable()) {
            throw new BackendUnavailableException("the module jdk.incubator.vector is not readable; " + VECTOR_FIX);
        }
        return (Backend) construct("io.fusedrnn.vector.VectorBackend", "vector", null);
    }

    /** An OpenCL backend on the selected device ("" for the first GPU, else the first device). */
    public static Backend opencl(String selector) {
        return (Backend) construct("io.fusedrnn.opencl.OpenClBackend", "opencl", selector);
    }

    private static Object construct(String className, String what, String selector) {
        try {
            Class<?> c = Class.forName(className);
            if (selector == null) return c.getConstructor().newInstance();
            return c.getMethod("open", String.class).invoke(null, selector);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new BackendUnavailableException(what + " backend is not part of this build (" + className + " missing)", e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof FusedRnnException f) {
                if (f instanceof BackendUnavailableException) throw f;
                throw new BackendUnavailableException(what + ": " + f.getMessage(), f);
            }
            if (cause instanceof LinkageError || cause instanceof UnsupportedOperationException) {
                throw new BackendUnavailableException(what + ": " + cause + "; "
                        + (what.equals("vector") ? VECTOR_FIX : OPENCL_FIX), cause);
            }
            if (cause instanceof RuntimeException r) throw r;
            throw new BackendUnavailableException(what + ": " + cause, cause);
        } catch (ReflectiveOperationException e) {
            throw new BackendUnavailableException(what + ": cannot start (" + e + ")", e);
        }
    }
}
