package io.fusedrnn;

import io.fusedrnn.reference.ReferenceBackend;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Backend selection, in one place. {@code auto} tries an OpenCL GPU or accelerator, then the Vector
 * API, then an OpenCL CPU device (PoCL), then the scalar reference, and logs one line through
 * {@link System.Logger} (logger {@code io.fusedrnn}): INFO with the backend it took and why it
 * passed over the others, or WARNING when it ends on the reference. A named backend never falls
 * back: it throws {@link BackendUnavailableException} with the reason and the fix.
 *
 * <p>The Vector API and OpenCL backends are loaded reflectively, so the library links and the
 * reference backend runs without {@code jdk.incubator.vector} or an OpenCL loader. On Linux the
 * OpenCL loader library is probed before JOCL is touched: JOCL's native code prints each library it
 * fails to load on stdout, which a CLI's output must not carry.
 */
public final class Backends {
    private static final System.Logger LOG = System.getLogger("io.fusedrnn");

    /** The fix printed when the incubator module is not readable. */
    public static final String VECTOR_FIX = "run java with --add-modules jdk.incubator.vector (./fusedrnn does)";
    /** The fix printed when no OpenCL platform is found. */
    public static final String OPENCL_FIX = "install an OpenCL ICD loader and a platform, e.g. apt-get install ocl-icd-libopencl1 pocl-opencl-icd";

    /**
     * Begins the reason {@code auto} gives for passing over OpenCL when its only devices are CPUs: the
     * Vector API backend ran 1.8× (latency) to 3.2× (batch) faster than PoCL on the same cores
     * (benchmarks/RESULTS.md, round 6), so a CPU OpenCL device comes after it.
     */
    public static final String ONLY_CPU_OPENCL = "only CPU devices";
    private static final String OPENCL_CLASS = "io.fusedrnn.opencl.OpenClBackend";

    private Backends() {
    }

    /**
     * Opens a backend by name. {@code auto} picks the best available; the others never fall back.
     * {@code opencl} takes an optional device selector after a colon: {@code opencl:0:1} (platform,
     * device) or {@code opencl:NAME} (a case-insensitive substring of the device name).
     *
     * @param name auto, reference, vector, opencl or opencl:SELECTOR (null means auto)
     * @return the open backend; the caller closes it
     */
    public static Backend open(String name) {
        return open(name, 0);
    }

    /**
     * As {@link #open(String)}, with the vector backend (named, or picked by {@code auto}) on
     * {@code vectorThreads} workers; 0 for its default, one per available processor.
     *
     * @param name auto, reference, vector, opencl or opencl:SELECTOR (null means auto)
     * @param vectorThreads workers of the vector backend, 0 for its default
     * @return the open backend; the caller closes it
     */
    public static Backend open(String name, int vectorThreads) {
        if (vectorThreads < 0) throw new FusedRnnException("threads: expected >= 0 (0: one per processor), found " + vectorThreads);
        String n = name == null ? "auto" : name.trim();
        String lower = n.toLowerCase(Locale.ROOT);
        if (lower.equals("auto")) return auto(new ArrayList<>(), vectorThreads);
        Backend b;
        if (lower.equals("reference")) b = new ReferenceBackend();
        else if (lower.equals("vector")) b = vector(vectorThreads);
        else if (lower.equals("opencl")) b = opencl("");
        else if (lower.startsWith("opencl:")) b = opencl(n.substring("opencl:".length()));
        else throw new FusedRnnException("backend: expected one of auto, reference, vector, opencl[:platform:device|:name], found '" + name + "'");
        LOG.log(System.Logger.Level.INFO, "using backend " + b.name() + " (" + b.description() + "), as named");
        return b;
    }

    /**
     * The best backend available, logged in one line with the reasons it passed over the others
     * (INFO, or WARNING when it is the reference); each reason is also added to {@code skipped}.
     *
     * @param skipped receives one {@code "NAME: reason"} per backend passed over
     * @return the open backend; the caller closes it
     */
    public static Backend auto(List<String> skipped) {
        return auto(skipped, 0);
    }

    private static Backend auto(List<String> skipped, int vectorThreads) {
        List<String> reasons = new ArrayList<>();
        Backend b = null;
        boolean cpuOnly = false;
        try {
            b = openCl("openAccelerator", "");
        } catch (BackendUnavailableException e) {
            reasons.add(reason("opencl", e));
            cpuOnly = e.getMessage() != null && e.getMessage().contains(ONLY_CPU_OPENCL);
        }
        if (b == null) {
            try {
                b = vector(vectorThreads);
            } catch (BackendUnavailableException e) {
                reasons.add(reason("vector", e));
            }
        }
        if (b == null && cpuOnly) {
            // the vector backend cannot run here; a CPU OpenCL device is still far faster than the reference
            try {
                b = opencl("");
                reasons.removeFirst();
            } catch (BackendUnavailableException e) {
                reasons.set(0, reason("opencl", e));
            }
        }
        skipped.addAll(reasons);
        String passedOver = reasons.isEmpty() ? "" : "; passed over " + String.join("; ", reasons);
        if (b == null) {
            b = new ReferenceBackend();
            LOG.log(System.Logger.Level.WARNING, "using backend reference (" + b.description()
                    + "; slow: scalar loops, for checking)" + passedOver);
        } else {
            LOG.log(System.Logger.Level.INFO, "using backend " + b.name() + " (" + b.description() + ")" + passedOver);
        }
        return b;
    }

    /**
     * Every backend that opens here, fastest kind first (opencl, vector, reference); each one that
     * does not is added to {@code skipped} with its reason. The caller closes what it gets.
     *
     * @param skipped receives one {@code "NAME: reason"} per backend that does not open
     * @return the open backends, the reference last
     */
    public static List<Backend> openAll(List<String> skipped) {
        List<Backend> found = new ArrayList<>();
        try {
            found.add(opencl(""));
        } catch (BackendUnavailableException e) {
            skipped.add(reason("opencl", e));
        }
        try {
            found.add(vector());
        } catch (BackendUnavailableException e) {
            skipped.add(reason("vector", e));
        }
        found.add(new ReferenceBackend());
        return found;
    }

    /** {@code "which: message"}, with the backend named once however the message begins. */
    static String reason(String which, BackendUnavailableException e) {
        String m = e.getMessage() == null ? "unavailable" : e.getMessage();
        return m.startsWith(which + ": ") ? m : which + ": " + m;
    }

    /**
     * Whether the Vector API module is readable from this code.
     *
     * @return true when {@code jdk.incubator.vector} is in the boot layer
     */
    public static boolean vectorModuleReadable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * The Vector API backend, or {@link BackendUnavailableException} with the fix.
     *
     * @return the open backend; the caller closes it
     */
    public static Backend vector() {
        return vector(0);
    }

    private static Backend vector(int threads) {
        if (!vectorModuleReadable()) {
            throw new BackendUnavailableException("the module jdk.incubator.vector is not readable; " + VECTOR_FIX);
        }
        return (Backend) construct("io.fusedrnn.vector.VectorBackend", "vector", null, null, threads);
    }

    /**
     * An OpenCL backend on the selected device ("" for the first GPU, else the first device).
     *
     * @param selector "" or a device selector, as after {@code opencl:} in {@link #open}
     * @return the open backend; the caller closes it
     */
    public static Backend opencl(String selector) {
        return openCl("open", selector);
    }

    /** OpenClBackend's static method(selector), after the loader probe: JOCL is never touched without a loader. */
    private static Backend openCl(String method, String selector) {
        String missing = openClLoaderMissing();
        if (missing != null) throw new BackendUnavailableException("opencl: " + missing + "; " + OPENCL_FIX);
        return (Backend) construct(OPENCL_CLASS, "opencl", method, selector, 0);
    }

    /**
     * On Linux, why the OpenCL ICD loader ({@code libOpenCL.so.1}, else {@code libOpenCL.so}, the names
     * JOCL tries) cannot be loaded, or null when it can; elsewhere, or where this code may not load
     * native libraries, null (JOCL then finds out by itself).
     */
    static String openClLoaderMissing() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) return null;
        String why = null;
        for (String library : List.of("libOpenCL.so.1", "libOpenCL.so")) {
            try (Arena arena = Arena.ofConfined()) {
                SymbolLookup.libraryLookup(library, arena);
                return null;
            } catch (IllegalArgumentException e) {
                if (why == null) why = "the OpenCL ICD loader cannot be loaded (" + e.getMessage() + ")";
            } catch (IllegalCallerException e) {
                return null;
            }
        }
        return why;
    }

    /**
     * A new instance of className (method null; through its int constructor with {@code threads} when
     * that is above 0), or what its static method(String) returns.
     */
    private static Object construct(String className, String what, String method, String selector, int threads) {
        try {
            Class<?> c = Class.forName(className);
            if (method == null) return threads > 0 ? c.getConstructor(int.class).newInstance(threads) : c.getConstructor().newInstance();
            return c.getMethod(method, String.class).invoke(null, selector);
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
