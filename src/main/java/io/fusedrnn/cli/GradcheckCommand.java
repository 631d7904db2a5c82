package io.fusedrnn.cli;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.GradientCheck;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code gradcheck [--backend B]}: the float64 gradient check of docs/DESIGN.md, Tolerances, over the contract's cases on every
 * backend found (or on B only), as a table; exit status 1 when any coordinate fails.
 */
@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = {"The float64 gradient check on every backend found, or on one.",
                "Backward's gradients against central differences of the same backend's forward (eps 1e-6), "
                        + "for x, h0, c0 and every weight, over the backend contract's cases; a table per case."},
        footer = {"", "Exit status 1 when any coordinate fails: |a - n| > 1e-6 (|a| + |n|) and |a - n| > 1e-8.",
                "", "Examples:", "  fusedrnn gradcheck", "  fusedrnn gradcheck --backend opencl"})
final class GradcheckCommand implements Callable<Integer> {
    @Option(names = "--backend", paramLabel = "B",
            description = "Check only this backend: vector, opencl[:PLATFORM:DEVICE|:NAME], reference or auto (default: every backend that opens).")
    String backend;

    GradcheckCommand() {
    }

    @Override
    public Integer call() {
        List<String> skipped = new ArrayList<>();
        List<Backend> backends = backend != null ? List.of(Backends.open(backend)) : Backends.openAll(skipped);
        Table t = new Table("backend", "case", "checked", "failed", "result");
        List<String> failures = new ArrayList<>();
        try (StatusLine status = StatusLine.stderr()) {
            for (Backend b : backends) {
                for (ContractCase c : ContractCase.all()) {
                    status.show("gradcheck " + b.name() + ": " + c);
                    GradientCheck.Report r = GradientCheck.run(b, c);
                    t.add(b.name(), c, r.checked(), r.failures().size(), r.passed() ? "pass" : "FAIL");
                    if (!r.passed()) failures.add(r.message());
                }
            }
        } finally {
            backends.forEach(Backend::close);
        }
        t.print(System.out);
        for (String s : skipped) System.out.println("skipped " + s);
        for (String f : failures) System.out.println("FAIL " + f);
        System.out.println(failures.isEmpty() ? "gradient check passed (float64, central differences, eps 1e-6, rel 1e-6 / abs 1e-8)"
                : failures.size() + " case(s) failed the gradient check");
        return failures.isEmpty() ? Main.OK : Main.CHECK_FAILED;
    }
}
