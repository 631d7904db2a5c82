package io.fusedrnn.cli;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.Precision;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code devices}: the backends that open here and what they run on, and why any was skipped. */
final class DevicesCommand {
    private DevicesCommand() {
    }

    static int run(String[] args) {
        Options.parse("devices", args, Set.of(), Set.of());
        List<String> skipped = new ArrayList<>();
        List<Backend> found = Backends.openAll(skipped);
        Table t = new Table("backend", "fp32", "fp64", "runs on");
        try {
            for (Backend b : found) {
                t.add(b.name(), yes(b.supports(Precision.FP32)), yes(b.supports(Precision.FP64)), b.description());
            }
        } finally {
            found.forEach(Backend::close);
        }
        t.print(System.out);
        for (String s : skipped) System.out.println("skipped " + s);
        return 0;
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }
}
