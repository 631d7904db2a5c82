package io.fusedrnn.cli;

import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.FusedRnnException;

import java.util.Arrays;

/**
 * The command line: {@code demo}, {@code devices}, {@code gradcheck}, {@code infer}, {@code bench}.
 * Exit status 0 on success, 1 when a check fails, 2 for bad input (one line on stderr), 3 when a
 * named backend is unavailable (the line gives the fix). {@code --verbose} anywhere adds stack traces.
 */
public final class Main {
    private static final String USAGE = """
            usage: fusedrnn <command> [options]
              demo                      LSTM and GRU on every backend found, checked against the float64 reference
              devices                   backends and OpenCL devices found, with why any was skipped
              gradcheck [--backend B]   the float64 gradient check on every backend (or B), as a table
              infer --weights W.safetensors --input X.npy --output Y.npy [...]   run a PyTorch state_dict
              bench [--cells lstm,gru] [--shapes latency,batch,large] [--backends ...] [--peers onnxruntime] ...
              test                      the whole test suite (./fusedrnn test, through Maven)
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command and returns its exit status. */
    public static int run(String[] args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        if (rest.length == 0) {
            System.err.print(USAGE);
            return 2;
        }
        String[] options = Arrays.copyOfRange(rest, 1, rest.length);
        try {
            return switch (rest[0]) {
                case "demo" -> DemoCommand.run(options);
                case "devices" -> DevicesCommand.run(options);
                case "gradcheck" -> GradcheckCommand.run(options);
                case "infer" -> InferCommand.run(withVerbose(options, verbose));
                case "bench" -> BenchCommand.run(options);
                case "serve" -> new picocli.CommandLine(new ServeCommand()).execute(options);
                case "test" -> fail("test runs through Maven: use ./fusedrnn test from the source tree");
                case "help", "--help", "-h" -> {
                    System.out.print(USAGE);
                    yield 0;
                }
                default -> fail("unknown command '" + rest[0] + "'; expected demo, devices, gradcheck, infer, bench or test");
            };
        } catch (BackendUnavailableException e) {
            report(e, verbose);
            return 3;
        } catch (FusedRnnException e) {
            report(e, verbose);
            return 2;
        }
    }

    private static String[] withVerbose(String[] options, boolean verbose) {
        if (!verbose) return options;
        String[] out = Arrays.copyOf(options, options.length + 1);
        out[options.length] = "--verbose";
        return out;
    }

    private static int fail(String message) {
        System.err.println("fusedrnn: " + message);
        return 2;
    }

    private static void report(Exception e, boolean verbose) {
        System.err.println("fusedrnn: " + e.getMessage());
        if (verbose) e.printStackTrace();
    }
}
