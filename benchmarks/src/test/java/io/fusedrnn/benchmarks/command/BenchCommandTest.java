package io.fusedrnn.benchmarks.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int bench(String... args) {
        return BenchCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badOptionsExitWithStatus2AndOneLineNamingTheOption() {
        String[][] cases = {
                {"--shapes", "huge"}, {"--cells", "rnn"}, {"--precision", "fp16"}, {"--mode", "eval"}, {"--runs", "0"},
                {"--warmup", "-1"}, {"--backends", "cuda"}, {"--peers", "torch"}, {"--frobnicate", "1"}, {"--runs"},
                {"--max-seconds", "soon"}, {"--settle-ms", "-1"}, {"--runs", "3", "--runs", "4"}};
        for (String[] args : cases) {
            err.reset();
            assertEquals(2, bench(args), String.join(" ", args));
            String e = err();
            assertEquals(1, e.lines().count(), e);
            String prefix = args[0].equals("--frobnicate") ? "bench: expected an option" : "bench: " + args[0] + ": expected ";
            assertTrue(e.startsWith(prefix), e);
            assertTrue(e.contains("found"), e);
        }
    }

    @Test
    void aDirectoryAsOutputIsABadOption(@TempDir Path dir) {
        assertEquals(2, bench("--json", dir.toString()));
        assertTrue(err().startsWith("bench: --json: expected a file name"), err());
    }

    @Test
    void tinyRunWithTheReferenceAndThePeerWritesTableJsonAndHtml(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("r.json"), html = dir.resolve("r.html");
        int status = bench("--shapes", "B=2,T=3,I=5,H=4", "--backends", "reference", "--peers", "onnxruntime",
                "--warmup", "1", "--runs", "3", "--json", json.toString(), "--report", html.toString());
        assertEquals(0, status, err());
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("reference") && table.contains("onnxruntime (peer)") && table.contains("B2 T3 I5 H4"), table);

        assertTrue(Files.getPosixFilePermissions(json).contains(PosixFilePermission.OTHERS_READ), "a report others can read");
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        assertTrue(doc.get("meta").get("cores").asInt() > 0);
        JsonNode ceilings = doc.get("meta").get("ceilings");
        double fma = ceilings.get("fma_peak_gflops").asDouble(), gemm = ceilings.get("gemm_gflops").asDouble();
        assertTrue(fma > 0 && gemm > 0 && gemm < 2 * fma, ceilings.toString()); // a GEMM cannot beat the FMA peak by much
        assertTrue(table.contains("ceilings: FMA peak") && table.contains("of FMA"), table);
        JsonNode rows = doc.get("rows");
        assertEquals(4, rows.size()); // lstm and gru, reference and peer
        for (JsonNode r : rows) {
            for (String key : new String[] {"cell", "shape", "B", "T", "I", "H", "backend", "precision", "mode", "median_ms", "gflops"}) {
                assertTrue(r.has(key), key + " in " + r);
            }
            assertEquals("ok", r.get("status").asText(), r.toString());
            assertEquals(3, r.get("runs").asInt());
            assertTrue(r.get("median_ms").asDouble() > 0);
            assertTrue(r.get("check_rel_l2").asDouble() < 1e-4, r.toString());
            assertEquals(2, r.get("B").asInt());
            assertEquals(r.get("gflops").asDouble() / fma, r.get("fraction_of_fma_peak").asDouble(), 1e-9);
            assertEquals(r.get("gflops").asDouble() / gemm, r.get("fraction_of_gemm").asDouble(), 1e-9);
        }

        String page = Files.readString(html);
        assertTrue(page.contains("<svg") && page.contains("LSTM · B=2,T=3,I=5,H=4"), "chart missing");
        assertFalse(page.contains("http://") && !page.contains("xmlns=\"http://www.w3.org/2000/svg\""), "nothing fetched");
    }

    @Test
    void trainModeTimesTheReferenceAndSkipsThePeerWithTheReason(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("t.json");
        int status = bench("--cells", "gru", "--shapes", "B=3,T=2,I=2,H=3", "--mode", "train", "--precision", "fp64",
                "--backends", "reference", "--peers", "onnxruntime", "--warmup", "0", "--runs", "2", "--no-ceilings", "--json", json.toString());
        assertEquals(0, status, err());
        JsonNode rows = new ObjectMapper().readTree(json.toFile()).get("rows");
        assertEquals(2, rows.size());
        assertEquals("ok", rows.get(0).get("status").asText());
        assertEquals("train", rows.get(0).get("mode").asText());
        assertEquals("skipped", rows.get(1).get("status").asText());
        assertTrue(rows.get(1).get("reason").asText().contains("inference only"));
    }
}
