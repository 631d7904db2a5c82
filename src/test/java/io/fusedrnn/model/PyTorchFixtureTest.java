package io.fusedrnn.model;

import io.fusedrnn.Backend;
import io.fusedrnn.Gradients;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.Tensor;
import io.fusedrnn.io.SafetensorsFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * PyTorch's own outputs and gradients (float64 fixtures from src/test/python/make_fixtures.py) are
 * reproduced by importing the state_dict and running forward and backward on every backend that
 * opens here: 1e-9 relative in fp64, 1e-5 in fp32.
 */
class PyTorchFixtureTest {
    static final List<String> CASES = List.of("lstm_l2_bi", "gru_l2_bi_lengths", "lstm_nobias",
            "lstm_proj_l2_bi_lengths", "gru_nobias_l3_lengths", "lstm_l1");

    @TestFactory
    List<DynamicTest> pytorchFixturesMatchOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String backend : Fixtures.BACKENDS) {
            for (Precision p : Precision.values()) {
                for (String c : CASES) {
                    tests.add(DynamicTest.dynamicTest(backend + " " + p + " " + c, () -> check(backend, p, c)));
                }
            }
        }
        return tests;
    }

    static void check(String backendName, Precision p, String name) {
        double tol = Fixtures.tolerance(p);
        try (Backend backend = Fixtures.openOrSkip(backendName);
             SafetensorsFile wf = SafetensorsFile.open(Fixtures.path("pytorch/" + name + ".weights.safetensors"));
             SafetensorsFile data = SafetensorsFile.open(Fixtures.path("pytorch/" + name + ".data.safetensors"))) {
            RnnModel model = PyTorchImporter.load(wf);
            RnnConfig cfg = model.config();
            try (PreparedRnn rnn = model.prepare(backend, p);
                 Tensor x = Fixtures.upload(backend, p, data, "x");
                 Tensor h0 = Fixtures.upload(backend, p, data, "h0");
                 Tensor c0 = Fixtures.upload(backend, p, data, "c0");
                 Tensor gy = Fixtures.upload(backend, p, data, "gy");
                 Tensor gh = Fixtures.upload(backend, p, data, "gh");
                 Tensor gc = Fixtures.upload(backend, p, data, "gc");
                 RnnTrace trace = rnn.forwardTraining(x, h0, c0, Fixtures.lengths(data))) {
                RnnOutput out = trace.output();
                Fixtures.assertClose(name + " y", data.read("y"), out.y(), tol);
                Fixtures.assertClose(name + " h_n", data.read("h_n"), out.hN(), tol);
                if (data.contains("c_n")) Fixtures.assertClose(name + " c_n", data.read("c_n"), out.cN(), tol);
                else assertNull(out.cN());
                try (RnnGradients g = rnn.backward(trace, gy, gh, gc)) {
                    Fixtures.assertClose(name + " dx", data.read("dx"), g.dx(), tol);
                    if (data.contains("dh0")) Fixtures.assertClose(name + " dh0", data.read("dh0"), g.dh0(), tol);
                    if (data.contains("dc0")) Fixtures.assertClose(name + " dc0", data.read("dc0"), g.dc0(), tol);
                    int checked = 0;
                    for (int i = 0; i < cfg.sweeps(); i++) {
                        Gradients lg = g.weights().get(i);
                        for (int k = 0; k < LayerWeights.NAMES.length; k++) {
                            String key = "grad." + LayerWeights.NAMES[k] + "_" + RnnModel.name(cfg, i);
                            if (!data.contains(key)) continue;
                            Fixtures.assertClose(name + " " + key, data.read(key), lg.weight(k), tol);
                            checked++;
                        }
                    }
                    long expected = data.names().stream().filter(s -> s.startsWith("grad.")).count();
                    assertEquals(expected, checked, name + ": every parameter gradient compared");
                }
            }
        }
    }
}
