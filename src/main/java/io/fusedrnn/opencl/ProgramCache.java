package io.fusedrnn.opencl;

import io.fusedrnn.FusedRnnException;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.jocl.CL.*;

/**
 * Builds the kernel files in {@code kernels/} (classpath {@code /kernels/NAME.cl}) once per
 * (device, driver version, source hash, options) and keeps their kernels and signatures. Every file
 * is compiled as {@value #PREAMBLE} followed by the file, each behind a {@code #line} directive, so a
 * compiler message names the file and line it is about. Programs are built with
 * {@value #ARG_INFO} so {@link Launch} can check arguments by name. A build failure throws with the
 * file, the options and the full build log.
 */
final class ProgramCache implements AutoCloseable {
    private static final Map<String, String> SOURCES = new HashMap<>();
    private static final Map<String, String> HASHES = new HashMap<>();

    private final ClContext ctx;
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final Map<cl_kernel, KernelSignature> signatures = new HashMap<>();

    /** The file prepended to every kernel file (types, vector macros, sigmoid, the step-to-time map). */
    static final String PREAMBLE = "preamble.cl";
    /** Added to every build: keeps parameter names for clGetKernelArgInfo. */
    static final String ARG_INFO = "-cl-kernel-arg-info";

    ProgramCache(ClContext ctx) {
        this.ctx = ctx;
    }

    synchronized int liveObjects() {
        return programs.size() + kernels.size();
    }

    /** The kernel {@code name} of {@code file} built with {@code options}, created once. */
    synchronized cl_kernel kernel(String file, String options, String name) {
        String programKey = key(file, null, options);
        String kernelKey = programKey + "#" + name;
        cl_kernel k = kernels.get(kernelKey);
        if (k != null) return k;
        cl_program p = program(file, options);
        int[] err = new int[1];
        k = clCreateKernel(p, name, err);
        ClStatus.check(err[0], "clCreateKernel(" + name + " in kernels/" + file + ")");
        kernels.put(kernelKey, k);
        signatures.put(k, KernelSignature.of(file + ":" + name, k));
        return k;
    }

    /** The parameters of a kernel made by {@link #kernel}. */
    synchronized KernelSignature signature(cl_kernel k) {
        return signatures.get(k);
    }

    /** The program of {@code kernels/file} built with {@code options}, built on first use. */
    synchronized cl_program program(String file, String options) {
        String key = key(file, null, options);
        cl_program p = programs.get(key);
        return p != null ? p : build(file, source(file), options);
    }

    /**
     * Builds {@code source} under the name {@code file}, behind the preamble (tests pass broken
     * sources here).
     */
    synchronized cl_program build(String file, String source, String options) {
        String key = key(file, source, options);
        cl_program p = programs.get(key);
        if (p != null) return p;
        int[] err = new int[1];
        String unit = withPreamble(file, source);
        p = clCreateProgramWithSource(ctx.context, 1, new String[] {unit}, null, err);
        ClStatus.check(err[0], "clCreateProgramWithSource(kernels/" + file + ")");
        cl_device_id[] devices = {ctx.device.id()};
        cl_program built = p;
        int status = JvmSignals.guarded("building kernels/" + file, () -> clBuildProgram(built, 1, devices, options + " " + ARG_INFO, null, null));
        if (status != CL_SUCCESS) {
            String log = placeLines(buildLog(p, devices[0]), unit);
            clReleaseProgram(p);
            throw new FusedRnnException("OpenCL build of kernels/" + file + " with options '" + options + "' failed: "
                    + ClStatus.name(status) + " (" + status + ") on " + ctx.device.name() + "; build log:\n" + log);
        }
        programs.put(key, p);
        return p;
    }

    /**
     * The translation unit the compiler sees: the preamble, then {@code source}, each after a
     * {@code #line 1 "name"} so messages carry the right file and line.
     */
    static String withPreamble(String file, String source) {
        return "#line 1 \"" + PREAMBLE + "\"\n" + source(PREAMBLE) + "\n#line 1 \"" + file + "\"\n" + source;
    }

    private static final Pattern UNIT_LINE = Pattern.compile("<kernel>:(\\d+):");
    private static final Pattern LINE_DIRECTIVE = Pattern.compile("#line (\\d+) \"([^\"]*)\"");

    /**
     * A compiler that ignores {@code #line} (NVIDIA's names every place {@code <kernel>:LINE:COL}, LINE
     * counted in the whole unit) gets its places rewritten to {@code file:line:COL} here, from the
     * unit's own directives, so a build log names the same file and line on every driver.
     */
    static String placeLines(String log, String unit) {
        if (!log.contains("<kernel>:")) return log;
        String[] lines = unit.split("\n", -1);
        Matcher m = UNIT_LINE.matcher(log);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            int n = Integer.parseInt(m.group(1));
            String place = m.group();
            for (int i = Math.min(n, lines.length) - 2; i >= 0; i--) {
                Matcher d = LINE_DIRECTIVE.matcher(lines[i]);
                if (d.matches()) {
                    place = d.group(2) + ":" + (Integer.parseInt(d.group(1)) + n - i - 2) + ":";
                    break;
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(place));
        }
        return m.appendTail(out).toString();
    }

    private static String buildLog(cl_program p, cl_device_id device) {
        String log = ClDevice.optionalString((q, size, v, ret) -> clGetProgramBuildInfo(p, device, q, size, v, ret), CL_PROGRAM_BUILD_LOG);
        return log == null ? "(no build log)" : log.strip();
    }

    /** The cache key; a null source means the classpath file, whose hash is computed once. */
    private String key(String file, String source, String options) {
        String hash;
        if (source == null) {
            synchronized (SOURCES) {
                hash = HASHES.computeIfAbsent(file, f -> sha256(source(f)));
            }
        } else {
            hash = sha256(source);
        }
        String preamble;
        synchronized (SOURCES) {
            preamble = HASHES.computeIfAbsent(PREAMBLE, f -> sha256(source(f)));
        }
        return ctx.device.name() + "|" + ctx.device.driverVersion() + "|" + file + "|" + preamble + "|" + hash + "|" + options;
    }

    /** The text of {@code kernels/file} from the classpath (read once per JVM). */
    static String source(String file) {
        synchronized (SOURCES) {
            String s = SOURCES.get(file);
            if (s != null) return s;
            try (InputStream in = ProgramCache.class.getResourceAsStream("/kernels/" + file)) {
                if (in == null) throw new FusedRnnException("kernels/" + file + ": expected on the classpath (the jar's kernels/), not found");
                s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new FusedRnnException("kernels/" + file + ": cannot be read (" + e.getMessage() + ")", e);
            }
            SOURCES.put(file, s);
            return s;
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        for (cl_kernel k : kernels.values()) clReleaseKernel(k);
        kernels.clear();
        signatures.clear();
        for (cl_program p : programs.values()) clReleaseProgram(p);
        programs.clear();
    }
}
