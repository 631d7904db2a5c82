package io.fusedrnn.cli;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * {@code fusedrnn bench}: a delegate to the benchmark harness, which lives in the {@code benchmarks/}
 * project (with its peers and reports) and not in the library. When the harness's jar is on the class
 * path its entry point runs; otherwise one line says how to run bench, and the status is 3.
 */
public final class BenchCommand {
    /** The harness's entry class, in benchmarks/target/benchmarks.jar. */
    static final String HARNESS = "io.fusedrnn.benchmarks.command.BenchCli";
    /** What to do when it is absent. */
    static final String HOW = "bench: the benchmark harness is not on the class path; run ./fusedrnn bench from a source "
            + "checkout (it builds benchmarks/), or add benchmarks/target/benchmarks.jar to the class path";

    private BenchCommand() {
    }

    /**
     * Runs {@code bench} with the arguments that follow the command name.
     *
     * @param args the arguments after {@code bench}
     * @return the exit status: the harness's, or 3 when it is absent
     */
    public static int run(String[] args) {
        MethodHandle entry = entry();
        if (entry == null) {
            System.err.println(HOW);
            return 3;
        }
        try {
            return (int) entry.invokeExact(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The harness's {@code static int run(String[])}, or null when it is not on the class path. */
    static MethodHandle entry() {
        try {
            Class<?> c = Class.forName(HARNESS, true, BenchCommand.class.getClassLoader());
            return MethodHandles.publicLookup().findStatic(c, "run", MethodType.methodType(int.class, String[].class));
        } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException | LinkageError e) {
            return null;
        }
    }
}
