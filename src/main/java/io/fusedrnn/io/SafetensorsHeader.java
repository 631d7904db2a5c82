package io.fusedrnn.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fusedrnn.FusedRnnException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors JSON header: each tensor's dtype, shape and data offsets must be
 * well-formed, agree with each other and lie inside the data section without overlapping.
 */
final class SafetensorsHeader {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    final Map<String, SafetensorsFile.Entry> entries;
    final Map<String, String> metadata;

    private SafetensorsHeader(Map<String, SafetensorsFile.Entry> entries, Map<String, String> metadata) {
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Validates {@code json} against a data section of {@code dataSize} bytes; messages start with {@code file}. */
    static SafetensorsHeader parse(byte[] json, long dataSize, String file) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException | RuntimeException e) {
            throw new FusedRnnException(file + ": header is not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (root == null || !root.isObject()) {
            throw new FusedRnnException(file + ": header: expected a JSON object, found " + (root == null ? "nothing" : root.getNodeType()));
        }
        Map<String, SafetensorsFile.Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            if (name.equals("__metadata__")) {
                readMetadata(field.getValue(), metadata, file);
            } else {
                entries.put(name, entry(name, field.getValue(), dataSize, file));
            }
        }
        checkOverlaps(entries, file);
        return new SafetensorsHeader(Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(JsonNode node, Map<String, String> out, String file) {
        if (!node.isObject()) throw new FusedRnnException(file + ": __metadata__: expected an object of strings, found " + node.getNodeType());
        for (Map.Entry<String, JsonNode> f : node.properties()) {
            if (!f.getValue().isTextual()) {
                throw new FusedRnnException(file + ": __metadata__." + f.getKey() + ": expected a string, found " + f.getValue().getNodeType());
            }
            out.put(f.getKey(), f.getValue().asText());
        }
    }

    private static SafetensorsFile.Entry entry(String name, JsonNode node, long dataSize, String file) {
        String where = file + ": tensor '" + name + "'";
        if (!node.isObject()) throw new FusedRnnException(where + ": expected an object, found " + node.getNodeType());
        JsonNode dtype = node.get("dtype"), shape = node.get("shape"), offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) throw new FusedRnnException(where + ": expected a string 'dtype', found " + kind(dtype));
        if (shape == null || !shape.isArray()) throw new FusedRnnException(where + ": expected an array 'shape', found " + kind(shape));
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new FusedRnnException(where + ": expected 'data_offsets' [begin, end], found " + kind(offsets));
        }
        SafetensorsDType type = SafetensorsDType.parse(dtype.asText(), where);
        int[] dims = new int[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw new FusedRnnException(where + ": shape[" + i + "]: expected a size 0.." + Integer.MAX_VALUE + ", found " + d);
            }
            dims[i] = d.intValue();
        }
        long begin = offset(offsets.get(0), where, "begin"), end = offset(offsets.get(1), where, "end");
        if (begin > end) throw new FusedRnnException(where + ": data_offsets: begin " + begin + " is after end " + end);
        if (end > dataSize) {
            throw new FusedRnnException(where + ": data_offsets [" + begin + ", " + end + "] out of bounds: the data section has "
                    + dataSize + " bytes (file truncated?)");
        }
        long count;
        try {
            count = Math.multiplyExact(NdArray.elementCount(dims), type.bytes());
        } catch (ArithmeticException e) {
            throw new FusedRnnException(where + ": shape " + Arrays.toString(dims) + " is too large");
        }
        if (count != end - begin) {
            throw new FusedRnnException(where + ": shape " + Arrays.toString(dims) + " of " + type + " needs " + count
                    + " bytes, but data_offsets span " + (end - begin));
        }
        return new SafetensorsFile.Entry(name, type, dims, begin, end);
    }

    private static long offset(JsonNode n, String where, String which) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new FusedRnnException(where + ": data_offsets " + which + ": expected a non-negative integer, found " + n);
        }
        return n.longValue();
    }

    private static void checkOverlaps(Map<String, SafetensorsFile.Entry> entries, String file) {
        List<SafetensorsFile.Entry> sorted = new ArrayList<>(entries.values());
        sorted.removeIf(e -> e.begin() == e.end());
        sorted.sort(Comparator.comparingLong(SafetensorsFile.Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            SafetensorsFile.Entry a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw new FusedRnnException(file + ": tensors '" + a.name() + "' [" + a.begin() + ", " + a.end() + ") and '"
                        + b.name() + "' [" + b.begin() + ", " + b.end() + ") overlap");
            }
        }
    }

    private static String kind(JsonNode n) {
        return n == null ? "none" : n.toString().length() > 40 ? n.getNodeType().toString() : n.toString();
    }

    private static String firstLine(String s) {
        if (s == null) return "no detail";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
