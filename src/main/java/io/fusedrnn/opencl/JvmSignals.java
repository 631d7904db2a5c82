package io.fusedrnn.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Keeps the JVM's own signal handlers in place across the OpenCL calls that load or run a driver's
 * compiler. PoCL's LLVM installs its crash handlers (SA_RESETHAND) over the JVM's for SIGSEGV, SIGBUS,
 * SIGILL, SIGUSR2 ... when a platform is enumerated or a program built; the JVM takes SIGSEGV on
 * purpose (safepoint polls, implicit null checks), and when two threads take one at the same moment
 * the second finds the default action and the process dies with "Segmentation fault", no hs_err file.
 * On the H200 machine (16 vector workers beside NVIDIA's and PoCL's ICDs) {@code demo} and {@code bench}
 * died that way every time (docs/DESIGN.md, Signal handlers and OpenCL drivers).
 *
 * <p>{@link #guarded} reads the handlers of the signals the JVM relies on before the call and puts back
 * any the call replaced. Preloading the JDK's {@code libjsig.so} does the same job for every native
 * library (the JVM then chains to the driver's handlers); this guard needs no launcher flag. Linux only
 * (signal numbers and {@code sigaction} are the platform's); elsewhere, or without native access, it
 * runs the call unguarded.
 */
final class JvmSignals {
    private static final System.Logger LOG = System.getLogger("io.fusedrnn.opencl");
    /** At least sizeof(struct sigaction): 152 bytes on Linux x86-64 and aarch64; kept opaque. */
    private static final long STRUCT_BYTES = 256;
    /** sizeof(Dl_info): four pointers. */
    private static final long DL_INFO_BYTES = 32;

    private record Signal(String name, int number) {
    }

    /** What the JVM installs handlers for (Linux numbering): its traps, thread suspension, and the Signal API's. */
    private static final List<Signal> SIGNALS = List.of(new Signal("SIGSEGV", 11), new Signal("SIGBUS", 7),
            new Signal("SIGFPE", 8), new Signal("SIGILL", 4), new Signal("SIGUSR2", 12), new Signal("SIGXFSZ", 25),
            new Signal("SIGPIPE", 13), new Signal("SIGQUIT", 3), new Signal("SIGHUP", 1), new Signal("SIGINT", 2),
            new Signal("SIGTERM", 15), new Signal("SIGTRAP", 5));

    private static final MethodHandle SIGACTION;
    private static final MethodHandle DLADDR;

    static {
        MethodHandle sigaction = null, dladdr = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                sigaction = linker.defaultLookup().find("sigaction")
                        .map(a -> linker.downcallHandle(a, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS))).orElse(null);
                dladdr = linker.defaultLookup().find("dladdr")
                        .map(a -> linker.downcallHandle(a, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS))).orElse(null);
            } catch (RuntimeException e) { // IllegalCallerException under --illegal-native-access=deny
                LOG.log(System.Logger.Level.DEBUG, "opencl: cannot guard the JVM's signal handlers: " + e);
            }
        }
        SIGACTION = sigaction;
        DLADDR = dladdr;
    }

    private JvmSignals() {
    }

    /** Whether {@link #guarded} can read and restore handlers here. */
    static boolean active() {
        return SIGACTION != null;
    }

    /**
     * Runs {@code call} (an OpenCL call named {@code what}) and restores any of the JVM's signal
     * handlers it replaced. Guarded calls run one at a time in the process: a call that read the
     * handlers while another had LLVM's installed would otherwise put LLVM's back afterwards.
     */
    static <T> T guarded(String what, Supplier<T> call) {
        if (SIGACTION == null) return call.get();
        synchronized (JvmSignals.class) {
            return guardedAlone(what, call);
        }
    }

    private static <T> T guardedAlone(String what, Supplier<T> call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment before = arena.allocate(STRUCT_BYTES * SIGNALS.size());
            for (int i = 0; i < SIGNALS.size(); i++) query(SIGNALS.get(i), slot(before, i));
            try {
                return call.get();
            } finally {
                restoreChanged(what, before, arena);
            }
        }
    }

    private static void restoreChanged(String what, MemorySegment before, Arena arena) {
        MemorySegment now = arena.allocate(STRUCT_BYTES);
        List<String> restored = new ArrayList<>();
        String by = null;
        for (int i = 0; i < SIGNALS.size(); i++) {
            Signal s = SIGNALS.get(i);
            now.fill((byte) 0);
            query(s, now);
            MemorySegment old = slot(before, i);
            if (now.mismatch(old) == -1) continue;
            if (by == null) by = library(now.get(ADDRESS, 0).address());
            call(s, old, MemorySegment.NULL);
            restored.add(s.name);
        }
        if (!restored.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "opencl: " + what + " replaced the JVM's handlers for " + String.join(", ", restored)
                    + " (with " + (by == null ? "an unknown library's" : by + "'s") + "); restored them");
        }
    }

    /**
     * The file name of the library whose code handles {@code signal} now ({@code "libjvm.so"}, say), or
     * null when unknown (no handler function, or no dladdr). For tests and the log.
     */
    static String handlerLibrary(int signal) {
        if (SIGACTION == null) return null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment now = arena.allocate(STRUCT_BYTES);
            call(new Signal("signal " + signal, signal), MemorySegment.NULL, now);
            return library(now.get(ADDRESS, 0).address());
        }
    }

    private static String library(long address) {
        if (DLADDR == null || address <= 1) return null; // SIG_DFL (0) and SIG_IGN (1) are no code
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(DL_INFO_BYTES);
            int found = (int) DLADDR.invokeExact(MemorySegment.ofAddress(address), info);
            MemorySegment name = info.get(ADDRESS, 0);
            if (found == 0 || name.address() == 0) return null;
            String path = name.reinterpret(4096).getString(0);
            return path.substring(path.lastIndexOf('/') + 1);
        } catch (Throwable t) {
            return null;
        }
    }

    private static MemorySegment slot(MemorySegment all, int i) {
        return all.asSlice(i * STRUCT_BYTES, STRUCT_BYTES);
    }

    private static void query(Signal s, MemorySegment into) {
        call(s, MemorySegment.NULL, into);
    }

    private static void call(Signal s, MemorySegment act, MemorySegment old) {
        int rc;
        try {
            rc = (int) SIGACTION.invokeExact(s.number, act, old);
        } catch (Throwable t) {
            throw new IllegalStateException("sigaction(" + s.name + ") failed", t);
        }
        if (rc != 0) throw new IllegalStateException("sigaction(" + s.name + ") returned " + rc);
    }
}
