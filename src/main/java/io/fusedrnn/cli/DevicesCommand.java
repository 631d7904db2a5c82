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
        List<String> devices = openClDevices();
        if (!devices.isEmpty()) {
            System.out.println();
            System.out.println("OpenCL devices (select with --backend opencl:PLATFORM:DEVICE or opencl:NAME):");
            devices.forEach(d -> System.out.println("  " + d));
        }
        return 0;
    }

    /** The OpenCL backend's device list, or nothing when it cannot load (the skip line says why). */
    @SuppressWarnings("unchecked")
    private static List<String> openClDevices() {
        try {
            return (List<String>) Class.forName("io.fusedrnn.opencl.OpenClBackend").getMethod("describeDevices").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return List.of();
        }
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }
}
