package io.fusedrnn.formats;

import io.fusedrnn.Backend;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.SafetensorsFile;
import io.fusedrnn.model.Fixtures;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnModel;
import io.fusedrnn.model.RnnOutput;
import org.junit.jupiter.api.DynamicTest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a model loaded from a fixture on every backend and precision and compares with the source
 * framework's outputs in {@code NAME.expect.safetensors}: x, optional h0/c0/lengths, and y, hn, cn
 * as the framework computed them in float64 (suffix 64, checked within 1e-9) and float32 (suffix
 * 32 when present, else the float64 ones; checked within 1e-5 relative L2).
 */
final class FormatRun {
    private FormatRun() {
    }

    /**
     * For each file of {@code fixtures/FOLDER}: the model loaded with default options, against
     * {@code STEM.expect.safetensors} (STEM: the name up to its first dot), on every backend and precision.
     */
    static List<DynamicTest> eachFile(String folder, String... files) {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : files) tests.addAll(loaded(folder, name, name.substring(0, name.indexOf('.')), LoadOptions.defaults(), name));
        return tests;
    }

    /** The model {@code fixtures/FOLDER/FILE} loaded with {@code options}, against {@code STEM.expect.safetensors}, everywhere. */
    static List<DynamicTest> loaded(String folder, String file, String stem, LoadOptions options, String label) {
        Path model = Fixtures.path(folder + "/" + file);
        return everywhere(label, Fixtures.path(folder + "/" + stem + ".expect.safetensors"), () -> RnnModel.load(model, options));
    }

    /** One dynamic test per backend and precision. */
    static List<DynamicTest> everywhere(String label, Path expect, java.util.function.Supplier<RnnModel> load) {
        List<DynamicTest> tests = new ArrayList<>();
        for (String backend : Fixtures.BACKENDS) {
            for (Precision p : Precision.values()) {
                tests.add(DynamicTest.dynamicTest(label + " on " + backend + " " + p, () -> run(load.get(), expect, backend, p)));
            }
        }
        return tests;
    }

    static void run(RnnModel model, Path expect, String backendName, Precision p) {
        try (Backend backend = Fixtures.openOrSkip(backendName);
             SafetensorsFile f = SafetensorsFile.open(expect);
             PreparedRnn rnn = model.prepare(backend, p);
             Tensor x = Fixtures.upload(backend, p, f, "x");
             Tensor h0 = Fixtures.upload(backend, p, f, "h0");
             Tensor c0 = Fixtures.upload(backend, p, f, "c0");
             RnnOutput out = rnn.forward(x, h0, c0, Fixtures.lengths(f))) {
            String suffix = p == Precision.FP64 || !f.contains("y32") ? "64" : "32";
            double tol = Fixtures.tolerance(p);
            String what = expect.getFileName() + " " + backendName + " " + p;
            Fixtures.assertClose(what + " y", f.read("y" + suffix), out.y(), tol);
            Fixtures.assertClose(what + " h_n", f.read("hn" + suffix), out.hN(), tol);
            if (f.contains("cn" + suffix)) Fixtures.assertClose(what + " c_n", f.read("cn" + suffix), out.cN(), tol);
        }
    }

    /** The values of a fixture tensor. */
    static NdArray read(Path file, String name) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return f.read(name);
        }
    }
}
