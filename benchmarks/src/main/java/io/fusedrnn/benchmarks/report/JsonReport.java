package io.fusedrnn.benchmarks.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.fusedrnn.benchmarks.ceiling.Ceilings;
import io.fusedrnn.benchmarks.harness.BenchCase;
import io.fusedrnn.benchmarks.harness.ResultRow;
import io.fusedrnn.benchmarks.harness.RunInfo;
import io.fusedrnn.benchmarks.harness.Stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results as JSON: {@code {"meta": {...}, "rows": [{cell, shape, B, T, I, H, backend, precision,
 * mode, median_ms, gflops, ...}], "notes": [...]}}. Times in milliseconds; missing numbers are null.
 */
public final class JsonReport {
    private JsonReport() {
    }

    /** The document as maps and lists, in a stable key order. */
    public static Map<String, Object> document(RunInfo info, List<ResultRow> rows, List<String> notes) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("date", info.date());
        meta.put("cpu", info.cpu());
        meta.put("cores", info.cores());
        meta.put("jdk", info.jdk());
        meta.put("os", info.os());
        meta.put("opencl_device", info.openclDevice());
        meta.put("contenders", info.contenders());
        meta.put("command", info.command());
        meta.put("method", info.method());
        Map<String, Object> ceil = new LinkedHashMap<>();
        ceil.put("fma_peak_gflops", num(info.ceilings().fmaGflops()));
        ceil.put("gemm_gflops", num(info.ceilings().gemmGflops()));
        ceil.put("threads", info.ceilings().threads());
        ceil.put("how", info.ceilings().describe());
        meta.put("ceilings", ceil);
        List<Map<String, Object>> out = new ArrayList<>();
        for (ResultRow r : rows) out.add(row(r, info.ceilings()));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("meta", meta);
        doc.put("rows", out);
        doc.put("notes", notes);
        return doc;
    }

    private static Map<String, Object> row(ResultRow r, Ceilings ceilings) {
        BenchCase c = r.benchCase();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cell", c.cell().toString());
        m.put("shape", c.shape().name());
        m.put("B", c.shape().batch());
        m.put("T", c.shape().steps());
        m.put("I", c.shape().inputSize());
        m.put("H", c.shape().hiddenSize());
        m.put("backend", r.contender());
        m.put("peer", r.peer());
        m.put("precision", c.precision().toString());
        m.put("mode", c.mode().toString());
        m.put("status", r.status().toString());
        Stats s = r.stats();
        m.put("median_ms", s == null ? null : s.median());
        m.put("gflops", num(r.gflops()));
        m.put("min_ms", s == null ? null : s.min());
        m.put("q1_ms", s == null ? null : s.q1());
        m.put("q3_ms", s == null ? null : s.q3());
        m.put("max_ms", s == null ? null : s.max());
        m.put("runs", s == null ? 0 : s.runs());
        m.put("ratio_to_peer", num(r.ratioToPeer()));
        for (Map.Entry<String, Double> p : r.peerRatios().entrySet()) m.put("ratio_to_" + p.getKey(), num(p.getValue()));
        m.put("ratio_to_fastest", num(r.ratioToFastest()));
        m.put("fraction_of_fma_peak", num(ceilings.ofFma(r)));
        m.put("fraction_of_gemm", num(ceilings.ofGemm(r)));
        m.put("check_rel_l2", num(r.checkError()));
        m.put("flops_per_run", c.flops());
        if (r.reason() != null) m.put("reason", r.reason());
        return m;
    }

    private static Double num(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Writes the document to {@code path} (the caller makes it atomic). */
    public static void write(Path path, RunInfo info, List<ResultRow> rows, List<String> notes) throws IOException {
        byte[] bytes = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(document(info, rows, notes));
        Files.write(path, bytes);
    }
}
