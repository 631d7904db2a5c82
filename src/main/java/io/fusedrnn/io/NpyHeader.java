package io.fusedrnn.io;

import io.fusedrnn.FusedRnnException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header dictionary of a .npy file ({@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}):
 * parsed by a small strict reader of that Python literal subset, and formatted for the writer.
 *
 * @param descr        the dtype string, e.g. {@code <f8}
 * @param fortranOrder true for column-major data
 * @param shape        sizes, outermost first
 */
record NpyHeader(String descr, boolean fortranOrder, int[] shape) {

    /** Parses the dictionary text; messages start with {@code file}. */
    static NpyHeader parse(String text, String file) {
        Map<String, Object> dict = new Parser(text, file).dict();
        Object descr = dict.get("descr"), fortran = dict.get("fortran_order"), shape = dict.get("shape");
        if (!(descr instanceof String d)) throw new FusedRnnException(file + ": header: expected a string 'descr', found " + descr);
        if (!(fortran instanceof Boolean f)) throw new FusedRnnException(file + ": header: expected 'fortran_order' True or False, found " + fortran);
        if (!(shape instanceof int[] s)) throw new FusedRnnException(file + ": header: expected a tuple 'shape', found " + shape);
        if (dict.size() != 3) throw new FusedRnnException(file + ": header: expected keys descr, fortran_order, shape, found " + dict.keySet());
        return new NpyHeader(d, f, s);
    }

    /** The dictionary text as numpy writes it (without padding). */
    String format() {
        StringBuilder sb = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': ")
                .append(fortranOrder ? "True" : "False").append(", 'shape': (");
        for (int i = 0; i < shape.length; i++) sb.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        return sb.append("), }").toString();
    }

    /** Recursive-descent reader of a dict of str keys to str, bool or tuple-of-int values. */
    private static final class Parser {
        private final String s, file;
        private int pos;

        Parser(String s, String file) {
            this.s = s;
            this.file = file;
        }

        Map<String, Object> dict() {
            Map<String, Object> out = new LinkedHashMap<>();
            expect('{');
            while (true) {
                if (peek() == '}') break;
                String key = string();
                expect(':');
                Object value = value();
                if (out.put(key, value) != null) throw error("duplicate key '" + key + "'");
                if (peek() == ',') pos++;
                else if (peek() != '}') throw error("expected ',' or '}'");
            }
            pos++;
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
            if (pos != s.length()) throw error("unexpected text after the dictionary");
            return out;
        }

        private Object value() {
            char c = peek();
            if (c == '\'' || c == '"') return string();
            if (c == '(') return tuple();
            if (s.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            throw error("expected a string, True, False or a tuple");
        }

        private int[] tuple() {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            while (peek() != ')') {
                int start = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                if (pos == start) throw error("expected a size");
                if (pos - start > 18) throw error("size " + s.substring(start, pos) + " is too large");
                long v = Long.parseLong(s, start, pos, 10);
                if (v > Integer.MAX_VALUE) throw error("size " + v + " is too large");
                if (pos < s.length() && s.charAt(pos) == 'L') pos++;
                dims.add((int) v);
                if (peek() == ',') pos++;
                else if (peek() != ')') throw error("expected ',' or ')'");
            }
            pos++;
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        private String string() {
            char q = peek();
            if (q != '\'' && q != '"') throw error("expected a quoted key");
            int end = s.indexOf(q, pos + 1);
            if (end < 0) throw error("unterminated string");
            String out = s.substring(pos + 1, end);
            pos = end + 1;
            return out;
        }

        private void expect(char c) {
            if (peek() != c) throw error("expected '" + c + "'");
            pos++;
        }

        /** The next non-blank character (without consuming it), or a NUL at the end. */
        private char peek() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private FusedRnnException error(String what) {
            return new FusedRnnException(file + ": broken header: " + what + " at character " + pos);
        }
    }
}
