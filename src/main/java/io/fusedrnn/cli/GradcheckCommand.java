package io.fusedrnn.cli;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.GradientCheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code gradcheck [--backend B]}: the float64 gradient check of docs/DESIGN.md, Tolerances, over the contract's cases on every
 * backend found (or on B only), as a table; exit status 1 when any coordinate fails.
 */
final class GradcheckCommand {
    private GradcheckCommand() {
    }

    static int run(String[] args) {
        Options o = Options.parse("gradcheck", args, Set.of("backend"), Set.of());
        List<String> skipped = new ArrayList<>();
        List<Backend> backends = o.has("backend") ? List.of(Backends.open(o.get("backend", null))) : Backends.openAll(skipped);
        Table t = new Table("backend", "case", "checked", "failed", "result");
        List<String> failures = new ArrayList<>();
        try {
            for (Backend b : backends) {
                for (ContractCase c : ContractCase.all()) {
                    System.err.print("\rgradcheck " + b.name() + ": " + c + "        ");
                    GradientCheck.Report r = GradientCheck.run(b, c);
                    t.add(b.name(), c, r.checked(), r.failures().size(), r.passed() ? "pass" : "FAIL");
                    if (!r.passed()) failures.add(r.message());
                }
            }
        } finally {
            backends.forEach(Backend::close);
            System.err.print("\r" + " ".repeat(100) + "\r");
        }
        t.print(System.out);
        for (String s : skipped) System.out.println("skipped " + s);
        for (String f : failures) System.out.println("FAIL " + f);
        System.out.println(failures.isEmpty() ? "gradient check passed (float64, central differences, eps 1e-6, rel 1e-6 / abs 1e-8)"
                : failures.size() + " case(s) failed the gradient check");
        return failures.isEmpty() ? 0 : 1;
    }
}
