package io.fusedrnn.opencl;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendContract;
import io.fusedrnn.Backends;
import io.fusedrnn.LayerSpec;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.Precision;
import io.fusedrnn.PyTorchFixture;
import io.fusedrnn.check.ContractCase;
import io.fusedrnn.check.ReferenceComparison;
import io.fusedrnn.check.SweepProblem;
import io.fusedrnn.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Measures the "measured worst" column of the tolerance table in docs/DESIGN.md, Tolerances: the
 * worst error of every backend (reference, vector, OpenCL on both rungs) on every contract case, the
 * PyTorch sweep fixtures, the gradient check and dx accumulation. A measurement, not a check: it
 * prints lines starting with SURVEY and runs only when asked:
 * {@code FUSEDRNN_REQUIRE_OPENCL=1 mvn test -Dtest=ToleranceSurvey -Dfusedrnn.survey=true}.
 */
class ToleranceSurvey {
    @Test
    @EnabledIfSystemProperty(named = "fusedrnn.survey", matches = "true")
    void survey() {
        Map<String, Backend> backends = new LinkedHashMap<>();
        backends.put("reference", new ReferenceBackend());
        backends.put("vector", Backends.vector());
        backends.put("opencl", OpenClBackend.open("", false));
        backends.put("opencl-tiled", OpenClBackend.open("", true));
        try {
            for (var be : backends.entrySet()) {
                for (Precision p : Precision.values()) againstTheReference(be.getKey(), be.getValue(), p);
                againstPyTorch(be.getKey(), be.getValue());
                dxAccumulation(be.getKey(), be.getValue());
            }
            gradientCheck("reference", backends.get("reference"));
            gradientCheck("vector", backends.get("vector"));
        } finally {
            backends.values().forEach(Backend::close);
        }
    }

    private static void againstTheReference(String name, Backend be, Precision p) {
        double fw = 0, bw = 0;
        String fwAt = "", bwAt = "";
        for (ContractCase c : ContractCase.all()) {
            for (ReferenceComparison.Error e : ReferenceComparison.run(be, c, p)) {
                if (e.gradient() && e.relative() > bw) {
                    bw = e.relative();
                    bwAt = e.tensor() + " " + c;
                }
                if (!e.gradient() && e.relative() > fw) {
                    fw = e.relative();
                    fwAt = e.tensor() + " " + c;
                }
            }
        }
        System.out.printf("SURVEY %s %s vs reference: forward %.3g (%s), backward %.3g (%s)%n", name, p, fw, fwAt, bw, bwAt);
    }

    private static void againstPyTorch(String name, Backend be) {
        double worst = 0;
        String at = "";
        for (String fixture : PyTorchFixture.NAMES) {
            PyTorchFixture f = PyTorchFixture.load(fixture);
            ContractCase c = new ContractCase(f.spec(), f.integer("T"), f.integer("B"), f.json().get("reverse").asBoolean(),
                    f.array("h0") != null, f.lengths() != null, 0);
            SweepProblem.Outcome got = new SweepProblem(c, f.weights(), f.array("x"), f.array("h0"), f.array("c0"), f.array("G_y"),
                    f.array("G_h"), f.array("G_c"), f.lengths()).run(be, Precision.FP64, true);
            Map<String, double[][]> pairs = new LinkedHashMap<>();
            pairs.put("y", new double[][] {got.y(), f.array("y")});
            pairs.put("h_n", new double[][] {got.hN(), f.array("h_n")});
            pairs.put("dx", new double[][] {got.dx(), f.array("grad_x")});
            for (int k = 0; k < LayerWeights.NAMES.length; k++) {
                if (f.array("grad_" + LayerWeights.NAMES[k]) != null) {
                    pairs.put("d" + LayerWeights.NAMES[k], new double[][] {got.dW()[k], f.array("grad_" + LayerWeights.NAMES[k])});
                }
            }
            for (var e : pairs.entrySet()) {
                double err = ReferenceComparison.relativeL2(e.getValue()[0], e.getValue()[1]);
                if (err > worst) {
                    worst = err;
                    at = fixture + " " + e.getKey();
                }
            }
        }
        System.out.printf("SURVEY %s fp64 vs PyTorch: %.3g (%s)%n", name, worst, at);
    }

    /** BackendContract.backwardAddsIntoDx's case: |(start + dL/dx into zeros) − (dL/dx into start)|, worst element. */
    private static void dxAccumulation(String name, Backend be) {
        double[][] wantGot = BackendContract.dxAccumulation(be);
        double worst = 0;
        for (int i = 0; i < wantGot[0].length; i++) worst = Math.max(worst, Math.abs(wantGot[0][i] - wantGot[1][i]));
        System.out.printf("SURVEY %s dx accumulation: %.3g%n", name, worst);
    }

    /** Analytic against central-difference derivatives for 16 coordinates of W_ih and W_hh per case. */
    private static void gradientCheck(String name, Backend be) {
        double worst = 0, worstAbs = 0;
        String at = "";
        for (ContractCase c : ContractCase.all()) {
            SweepProblem p = new SweepProblem(c);
            LayerSpec s = c.spec();
            double[] h0 = p.h0 != null ? p.h0 : new double[c.batch() * s.outputSize()];
            double[] c0 = p.c0 != null ? p.c0 : s.hasCellState() ? new double[c.batch() * s.hiddenSize()] : null;
            SweepProblem.Outcome a = p.run(be, Precision.FP64, true, p.weights, p.x, h0, c0);
            Random rnd = new Random(c.seed());
            for (int k = 0; k < 2; k++) {
                double[] w = p.weights.tensor(k).clone();
                for (int n = 0; n < 16; n++) {
                    int i = rnd.nextInt(w.length);
                    double x0 = w[i], eps = io.fusedrnn.check.Tolerances.GRADCHECK_EPSILON;
                    w[i] = x0 + eps;
                    SweepProblem.Outcome plus = p.run(be, Precision.FP64, false, replace(p.weights, k, w), p.x, h0, c0);
                    w[i] = x0 - eps;
                    SweepProblem.Outcome minus = p.run(be, Precision.FP64, false, replace(p.weights, k, w), p.x, h0, c0);
                    w[i] = x0;
                    double num = p.lossDifference(plus, minus) / (2 * eps), an = a.dW()[k][i];
                    double d = Math.abs(an - num);
                    worstAbs = Math.max(worstAbs, d);
                    double rel = d / (Math.abs(an) + Math.abs(num));
                    if (Math.abs(an) + Math.abs(num) > 1e-2 && rel > worst) {
                        worst = rel;
                        at = c + " " + LayerWeights.NAMES[k] + "[" + i + "]";
                    }
                }
            }
        }
        System.out.printf("SURVEY %s gradient check: worst relative %.3g where |a|+|n| > 1e-2 (%s), worst absolute %.3g%n",
                name, worst, at, worstAbs);
    }

    private static LayerWeights replace(LayerWeights w, int k, double[] v) {
        return new LayerWeights(w.spec(), k == 0 ? v : w.wIh(), k == 1 ? v : w.wHh(), w.bIh(), w.bHh(), w.wHr());
    }
}
