package io.fusedrnn.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import io.fusedrnn.model.RnnConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The JSON of {@code POST /v1/infer}, read and written with Jackson's streaming API straight into
 * and out of float arrays (no tree). Requests: {@code {"x": [[I floats] × T], "h0"?, "c0"?, "outputs"?}};
 * answers: {@code {"y": …, "h_n": …, "c_n": …}} with only the outputs asked for. Shape errors
 * are {@link HttpError}s naming the field, what was expected and what was found; a T over the limit is 413.
 */
final class InferJson {
    /**
     * Numbers are parsed with FastDoubleParser (Jackson's fast-parser features): correctly rounded to
     * float like {@link Float#parseFloat}, at a fraction of its cost (measured: README, Serving).
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
            // handlers run on virtual threads, a new one per request: Jackson's default thread-local pool
            // would allocate its buffers afresh for every request
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build();

    private InferJson() {
    }

    /**
     * Parses and checks one request body, {@code body[0, length)}, against the model: {@link RequestScanner} reads a well-formed
     * body; anything else goes through Jackson, which names the problem.
     */
    static RnnRequest read(byte[] body, int length, RnnConfig cfg, int maxSteps) {
        RnnRequest fast = RequestScanner.read(body, length, cfg, maxSteps);
        return fast != null ? fast : readJackson(body, length, cfg, maxSteps);
    }

    /** {@link #read} of {@code body[0, length)} with Jackson's streaming parser only (the reference the scanner is tested against). */
    static RnnRequest readJackson(byte[] body, int length, RnnConfig cfg, int maxSteps) {
        float[][] x = null, h0 = null, c0 = null;
        Set<Output> outputs = null;
        try (JsonParser p = JSON.createParser(body, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw bad("body: expected a JSON object, found " + found(p));
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "x" -> x = matrix(p, "x", -1, "T", cfg.inputSize(), "I", maxSteps);
                    case "h0" -> h0 = matrix(p, "h0", cfg.sweeps(), "L·D", cfg.outputSize(), "H_out", maxSteps);
                    case "c0" -> c0 = matrix(p, "c0", cfg.sweeps(), "L·D", cfg.hiddenSize(), "H", maxSteps);
                    case "outputs" -> outputs = outputs(p);
                    default -> throw bad("body: expected fields x, h0, c0, outputs, found \"" + field + "\"");
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) throw bad("body: expected the end of the object, found " + found(p));
            if (p.nextToken() != null) throw bad("body: expected one JSON object, found more after it");
        } catch (StreamConstraintsException e) {
            throw bad("body: expected JSON within Jackson's limits, found " + firstLine(e.getOriginalMessage()));
        } catch (JsonParseException e) {
            String what = firstLine(e.getOriginalMessage());
            int cut = what.indexOf(" (start marker"); // Jackson appends where the open array began: one place is enough
            if (cut > 0) what = what.substring(0, cut);
            throw bad("body: expected valid JSON, found " + what + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (x == null) throw bad("x: expected [T][" + cfg.inputSize() + "] numbers, found no field \"x\"");
        return new RnnRequest(x, h0, c0, outputs, null);
    }

    /**
     * An array of {@code rows} arrays of {@code width} numbers ({@code rows} &lt; 0: any count ≥ 1, at
     * most {@code maxRows}, else 413).
     */
    private static float[][] matrix(JsonParser p, String field, int rows, String rowsName, int width, String widthName, int maxRows) throws IOException {
        String shape = "[" + (rows < 0 ? rowsName : rows) + "][" + width + "] numbers";
        if (p.currentToken() != JsonToken.START_ARRAY) throw bad(field + ": expected an array " + shape + ", found " + found(p));
        List<float[]> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            int i = out.size();
            if (rows < 0 && i >= maxRows) throw new HttpError(413, field + ": expected at most " + maxRows + " steps (the server's limit), found more");
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw bad(field + "[" + i + "]: expected an array of " + width + " numbers (" + widthName + "), found " + found(p));
            }
            float[] row = new float[width];
            int j = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                JsonToken t = p.currentToken();
                if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
                    throw bad(field + "[" + i + "][" + j + "]: expected a number, found " + found(p));
                }
                if (j < width) row[j] = p.getFloatValue();
                j++;
            }
            if (j != width) throw bad(field + "[" + i + "]: expected " + width + " numbers (" + widthName + "), found " + j);
            out.add(row);
        }
        if (out.isEmpty()) throw bad(field + ": expected " + shape + ", found an empty array");
        if (rows >= 0 && out.size() != rows) throw bad(field + ": expected " + rows + " rows (" + rowsName + "), found " + out.size());
        return out.toArray(float[][]::new);
    }

    private static Set<Output> outputs(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) throw bad("outputs: expected an array of names (\"y\", \"h_n\", \"c_n\"), found " + found(p));
        Set<Output> out = EnumSet.noneOf(Output.class);
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_STRING) throw bad("outputs[" + out.size() + "]: expected a name (\"y\", \"h_n\", \"c_n\"), found " + found(p));
            try {
                out.add(Output.parse("outputs", p.getText()));
            } catch (io.fusedrnn.FusedRnnException e) {
                throw bad(e.getMessage());
            }
        }
        return out;
    }

    /**
     * The answer's JSON: the outputs present in {@code r}, in the order y, h_n, c_n. Each float is the
     * shortest text that reads back to the same float ({@link StringBuilder#append(float)}, the JDK's
     * {@link Float#toString} written in place), a non-finite one quoted ({@code "NaN"}, {@code "Infinity"})
     * as Jackson writes it: the same bytes as {@link #writeJackson} (tested), at about two thirds of its
     * cost: 0.47 against 0.80 ms for a y of 50 × 256 (benchmarks/RESULTS.md, "Serving, round 12: answers
     * that carry y, written by hand"), where the sweep took about 0.33 ms of CPU per request.
     */
    static byte[] write(RnnResult r) {
        int size = 64 + (r.y() == null ? 0 : r.y().length * r.y()[0].length * 12) + (r.hN() == null ? 0 : r.hN().length * r.hN()[0].length * 24);
        StringBuilder b = new StringBuilder(size).append('{');
        field(b, Output.Y, r.y());
        field(b, Output.H_N, r.hN());
        field(b, Output.C_N, r.cN());
        return b.append('}').toString().getBytes(StandardCharsets.ISO_8859_1); // all ASCII
    }

    private static void field(StringBuilder b, Output o, float[][] m) {
        if (m == null) return;
        if (b.length() > 1) b.append(',');
        b.append('"').append(o.key()).append("\":[");
        for (int t = 0; t < m.length; t++) {
            b.append(t == 0 ? "[" : ",[");
            float[] row = m[t];
            for (int i = 0; i < row.length; i++) {
                if (i > 0) b.append(',');
                float v = row[i];
                if (Float.isFinite(v)) b.append(v);
                else b.append('"').append(v).append('"');
            }
            b.append(']');
        }
        b.append(']');
    }

    /** {@link #write} with Jackson's generator (the reference it is tested against). */
    static byte[] writeJackson(RnnResult r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            field(g, Output.Y, r.y());
            field(g, Output.H_N, r.hN());
            field(g, Output.C_N, r.cN());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void field(JsonGenerator g, Output o, float[][] m) throws IOException {
        if (m == null) return;
        g.writeArrayFieldStart(o.key());
        for (float[] row : m) {
            g.writeStartArray();
            for (float v : row) g.writeNumber(v);
            g.writeEndArray();
        }
        g.writeEndArray();
    }

    /** {@code {"error": message}}. */
    static byte[] error(String message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + message.length());
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static HttpError bad(String message) {
        return new HttpError(400, message);
    }

    private static String found(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) return "the end of the body";
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + p.getText();
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }

    private static String firstLine(String s) {
        if (s == null) return "nothing readable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
