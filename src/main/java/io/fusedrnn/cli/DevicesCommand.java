package io.fusedrnn.cli;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import io.fusedrnn.Precision;

import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code devices}: the backends that open here and what they run on, and why any was skipped. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"The backends and OpenCL devices found here.",
                "Each backend that opens, with its precisions and what it runs on; why any was skipped; every "
                        + "OpenCL device with the selector that picks it."},
        footer = {"", "Example:", "  fusedrnn devices"})
final class DevicesCommand implements Callable<Integer> {
    DevicesCommand() {
    }

    @Override
    public Integer call() {
        List<String> skipped = new ArrayList<>();
        List<Backend> found = Backends.openAll(skipped);
        Table t = new Table("backend", "fp32", "fp64", "runs on");
        boolean openCl = found.stream().anyMatch(b -> b.name().equals("opencl"));
        try {
            for (Backend b : found) {
                t.add(b.name(), yes(b.supports(Precision.FP32)), yes(b.supports(Precision.FP64)), b.description());
            }
        } finally {
            found.forEach(Backend::close);
        }
        t.print(System.out);
        for (String s : skipped) System.out.println("skipped " + s);
        List<String> devices = openCl ? openClDevices() : List.of(); // without a loader, JOCL would print its own noise
        if (!devices.isEmpty()) {
            System.out.println();
            System.out.println("OpenCL devices (select with --backend opencl:PLATFORM:DEVICE or opencl:NAME):");
            devices.forEach(d -> System.out.println("  " + d));
        }
        return Main.OK;
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
