package io.fusedrnn.benchmarks.harness;

import io.fusedrnn.benchmarks.ceiling.Ceilings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where and how a benchmark ran: machine, JDK, contenders, method; the header of JSON and report. */
public record RunInfo(String date, String cpu, int cores, String jdk, String os, String openclDevice,
                      Map<String, String> contenders, String command, String method, Ceilings ceilings) {

    /** Describes this machine and run. */
    public static RunInfo collect(BenchOptions o, List<Contender> contenders, String command, Ceilings ceilings) {
        Map<String, String> described = new LinkedHashMap<>();
        String opencl = "none";
        for (Contender c : contenders) {
            described.put(c.name(), c.description());
            if (c.name().startsWith("opencl")) opencl = c.description();
        }
        String method = "per case: same seeded data for all; y and h_n checked against a float64 reference run "
                + "(first " + OutputCheck.STEPS + " steps x " + OutputCheck.ROWS + " rows) and the whole output against "
                + "a trusted contender, rel L2 <= " + OutputCheck.tolerance(o.precision()) + "; " + o.warmup()
                + " warm-up runs, then " + (o.runsNamed() ? "up to " + o.runs() : o.runs() + " or more (until one has "
                + BenchOptions.FILL_SECONDS + " s of them, at most " + BenchOptions.MAX_RUNS + ")") + " timed runs, contenders interleaved in rotating order, "
                + (o.settleMillis() > 0 ? "each run after another contender's preceded by an untimed " + o.settleMillis() + " ms pause" : "back to back")
                + (o.maxSeconds() > 0 ? ", each stopping after " + o.maxSeconds() + " s of timed runs (>= " + BenchOptions.MIN_RUNS + " runs)" : "")
                + "; a run ends with h_n (dh0 in train mode) on the host; GFLOP/s from LayerSpec.forwardFlops"
                + (o.mode() == Mode.TRAIN ? " x3 (train)" : "");
        return new RunInfo(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), cpuModel(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                opencl, described, command, method, ceilings);
    }

    /** The first "model name" of /proc/cpuinfo, else the architecture. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }
}
