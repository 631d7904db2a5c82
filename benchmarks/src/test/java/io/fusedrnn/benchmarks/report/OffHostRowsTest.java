package io.fusedrnn.benchmarks.report;

import io.fusedrnn.Precision;
import io.fusedrnn.benchmarks.ceiling.Ceilings;
import io.fusedrnn.benchmarks.harness.BenchCase;
import io.fusedrnn.benchmarks.harness.BenchCell;
import io.fusedrnn.benchmarks.harness.BenchShape;
import io.fusedrnn.benchmarks.harness.Mode;
import io.fusedrnn.benchmarks.harness.ResultRow;
import io.fusedrnn.benchmarks.harness.Stats;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A row of a backend on a GPU is not read against the CPU's ceilings: on the H200 the opencl rows
 * showed "773%" of the 16 cores' FMA peak, which says nothing.
 */
class OffHostRowsTest {
    private static final BenchCase CASE = new BenchCase(BenchCell.LSTM, BenchShape.BATCH, Precision.FP32, Mode.INFER);

    private static ResultRow row(String contender, double gflops) {
        return new ResultRow(CASE, contender, false, ResultRow.Status.OK, null, new Stats(3, 1, 1, 1, 1, 1), gflops, 0);
    }

    @Test
    void rowsOnAnotherDeviceGetNoFraction() {
        Ceilings c = new Ceilings(100, 50, 2).withOffHost(Set.of("opencl"));
        assertEquals(0.5, c.ofFma(row("vector", 50)), 1e-12);
        assertEquals(1.0, c.ofGemm(row("vector", 50)), 1e-12);
        assertTrue(Double.isNaN(c.ofFma(row("opencl", 700))));
        assertTrue(Double.isNaN(c.ofGemm(row("opencl", 700))));
        assertTrue(c.describe().contains("not for opencl"), c.describe());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TableWriter.write(new PrintStream(out, true, StandardCharsets.UTF_8), List.of(row("opencl", 700), row("vector", 50)), List.of(), c);
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("50%") && !table.contains("700%"), table);
    }
}
