package io.fusedrnn.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
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
 * well-formed, agree with each other and lie inside the data section without overlapping. Tensors of
 * dtypes that are not read (integers, booleans, 8-bit floats, names newer than this reader) are kept,
 * their sizes checked where the dtype's is known, and refused only when read ({@link SafetensorsFile#read}).
 *
 * <p>The JSON is read with jackson-core's streaming parser into plain maps, lists and values:
 * Jackson's tree model (databind) would load about 300 classes more, 0.19 s of every command's
 * start on this machine for a header of a few hundred bytes (docs/DESIGN.md, "Start-up: what a command loads before its first result").
 */
final class SafetensorsHeader {
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    /** JSON's null, as a value in the maps and lists (Java's null there means "absent"). */
    private static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    final Map<String, SafetensorsFile.Entry> entries;
    final Map<String, String> metadata;

    private SafetensorsHeader(Map<String, SafetensorsFile.Entry> entries, Map<String, String> metadata) {
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Validates {@code json} against a data section of {@code dataSize} bytes; messages start with {@code file}. */
    static SafetensorsHeader parse(byte[] json, long dataSize, String file) {
        Object root;
        try (JsonParser p = JSON.createParser(json)) {
            JsonToken first = p.nextToken();
            root = first == null ? null : value(p, first);
            if (first != null && p.nextToken() != null) {
                throw new IOException("Trailing token (" + p.currentToken() + ") after the header's value");
            }
        } catch (IOException | RuntimeException e) {
            throw new FusedRnnException(file + ": header is not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (!(root instanceof Map<?, ?> fields)) {
            throw new FusedRnnException(file + ": header: expected a JSON object, found " + (root == null ? "nothing" : type(root)));
        }
        Map<String, SafetensorsFile.Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> field : fields.entrySet()) {
            String name = (String) field.getKey();
            if (name.equals("__metadata__")) {
                readMetadata(field.getValue(), metadata, file);
            } else {
                entries.put(name, entry(name, field.getValue(), dataSize, file));
            }
        }
        checkOverlaps(entries, file);
        return new SafetensorsHeader(Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
    }

    /** The value starting at token {@code t}: a LinkedHashMap, an ArrayList, a String, a Long or BigInteger, a Double, a Boolean or {@link #NULL}. */
    private static Object value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    m.put(name, value(p, p.nextToken()));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) l.add(value(p, e));
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : (Object) p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return p.getBooleanValue();
            }
            case VALUE_NULL -> {
                return NULL;
            }
            default -> throw new IOException("unexpected " + t);
        }
    }

    /** The JSON type of a parsed value, named as Jackson's tree names it. */
    private static String type(Object v) {
        return v instanceof Map ? "OBJECT" : v instanceof List ? "ARRAY" : v instanceof String ? "STRING"
                : v instanceof Number ? "NUMBER" : v instanceof Boolean ? "BOOLEAN" : "NULL";
    }

    /** A parsed value as compact JSON text. */
    private static String text(Object v) {
        if (v instanceof String str) return '"' + str.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        if (v instanceof List<?> l) {
            StringBuilder b = new StringBuilder("[");
            for (Object e : l) b.append(b.length() > 1 ? "," : "").append(text(e));
            return b.append(']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) b.append(b.length() > 1 ? "," : "").append(text(e.getKey())).append(':').append(text(e.getValue()));
            return b.append('}').toString();
        }
        return String.valueOf(v);
    }

    private static void readMetadata(Object node, Map<String, String> out, String file) {
        if (!(node instanceof Map<?, ?> fields)) throw new FusedRnnException(file + ": __metadata__: expected an object of strings, found " + type(node));
        for (Map.Entry<?, ?> f : fields.entrySet()) {
            if (!(f.getValue() instanceof String value)) {
                throw new FusedRnnException(file + ": __metadata__." + f.getKey() + ": expected a string, found " + type(f.getValue()));
            }
            out.put((String) f.getKey(), value);
        }
    }

    private static SafetensorsFile.Entry entry(String name, Object value, long dataSize, String file) {
        String where = file + ": tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> node)) throw new FusedRnnException(where + ": expected an object, found " + type(value));
        Object dtype = node.get("dtype"), shape = node.get("shape"), offsets = node.get("data_offsets");
        if (!(dtype instanceof String dtypeName)) throw new FusedRnnException(where + ": expected a string 'dtype', found " + kind(dtype));
        if (!(shape instanceof List<?> shapeList)) throw new FusedRnnException(where + ": expected an array 'shape', found " + kind(shape));
        if (!(offsets instanceof List<?> offsetList) || offsetList.size() != 2) {
            throw new FusedRnnException(where + ": expected 'data_offsets' [begin, end], found " + kind(offsets));
        }
        // a dtype that is not read (a state_dict's int64 buffers, ...) is kept, checked where its size is known
        SafetensorsDType type = SafetensorsDType.find(dtypeName);
        int itemBytes = type != null ? type.bytes() : SafetensorsDType.otherBytes(dtypeName);
        int[] dims = new int[shapeList.size()];
        for (int i = 0; i < dims.length; i++) {
            Object d = shapeList.get(i);
            if (!(d instanceof Long size) || size < 0 || size > Integer.MAX_VALUE) {
                throw new FusedRnnException(where + ": shape[" + i + "]: expected a size 0.." + Integer.MAX_VALUE + ", found " + text(d));
            }
            dims[i] = (int) (long) size;
        }
        long begin = offset(offsetList.get(0), where, "begin"), end = offset(offsetList.get(1), where, "end");
        if (begin > end) throw new FusedRnnException(where + ": data_offsets: begin " + begin + " is after end " + end);
        if (end > dataSize) {
            throw new FusedRnnException(where + ": data_offsets [" + begin + ", " + end + "] out of bounds: the data section has "
                    + dataSize + " bytes (file truncated?)");
        }
        long count;
        try {
            count = Math.multiplyExact(NdArray.elementCount(dims), Math.max(1, itemBytes));
        } catch (ArithmeticException e) {
            throw new FusedRnnException(where + ": shape " + Arrays.toString(dims) + " is too large");
        }
        if (itemBytes > 0 && count != end - begin) {
            throw new FusedRnnException(where + ": shape " + Arrays.toString(dims) + " of " + dtypeName + " needs " + count
                    + " bytes, but data_offsets span " + (end - begin));
        }
        return new SafetensorsFile.Entry(name, dtypeName, dims, begin, end);
    }

    private static long offset(Object n, String where, String which) {
        if (!(n instanceof Long v) || v < 0) {
            throw new FusedRnnException(where + ": data_offsets " + which + ": expected a non-negative integer, found " + text(n));
        }
        return v;
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

    private static String kind(Object n) {
        if (n == null) return "none";
        String t = text(n);
        return t.length() > 40 ? type(n) : t;
    }

    private static String firstLine(String s) {
        if (s == null) return "no detail";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
