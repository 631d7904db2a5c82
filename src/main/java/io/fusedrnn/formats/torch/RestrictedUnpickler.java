package io.fusedrnn.formats.torch;

import io.fusedrnn.FusedRnnException;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A pickle reader for the opcodes torch.save writes (protocols 2 to 5) that builds only plain values
 * (numbers, strings, bytes, lists, tuples, dicts) and the allow-listed globals of a state_dict:
 * {@code collections.OrderedDict}, torch's tensor and parameter rebuild functions and storage types.
 * Globals are recognised by name and interpreted here; nothing named in the file is ever looked up
 * or called, and any other global stops the read with a line naming it. The stack, the memo and
 * every length are bounded before anything is allocated.
 */
final class RestrictedUnpickler {
    static final int MAX_STACK = 1_000_000;
    static final int MAX_MEMO = 1_000_000;

    /** Storage types torch pickles by name: the dtype each one holds. */
    static final Map<String, TorchDType> STORAGES = Map.ofEntries(
            Map.entry("FloatStorage", TorchDType.FLOAT32), Map.entry("DoubleStorage", TorchDType.FLOAT64),
            Map.entry("HalfStorage", TorchDType.FLOAT16), Map.entry("BFloat16Storage", TorchDType.BFLOAT16),
            Map.entry("LongStorage", TorchDType.INT64), Map.entry("IntStorage", TorchDType.INT32),
            Map.entry("ShortStorage", TorchDType.INT16), Map.entry("CharStorage", TorchDType.INT8),
            Map.entry("ByteStorage", TorchDType.UINT8), Map.entry("BoolStorage", TorchDType.BOOL),
            Map.entry("UntypedStorage", TorchDType.UINT8));

    private static final Set<String> FUNCTIONS = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch._tensor._rebuild_from_type_v2",
            "torch.Tensor", "torch.nn.parameter.Parameter", "_codecs.encode", "builtins.set", "builtins.frozenset");

    private final String where;
    private final byte[] b;
    private final Function<Pickle.Tuple, Object> persistentLoad;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    private RestrictedUnpickler(String where, byte[] bytes, Function<Pickle.Tuple, Object> persistentLoad) {
        this.where = where;
        this.b = bytes;
        this.persistentLoad = persistentLoad;
    }

    /**
     * Reads one pickled object.
     *
     * @param where          the file and entry, for messages
     * @param persistentLoad turns a persistent id tuple into a storage
     */
    static Object load(String where, byte[] bytes, Function<Pickle.Tuple, Object> persistentLoad) {
        return new RestrictedUnpickler(where, bytes, persistentLoad).run();
    }

    private Object run() {
        while (true) {
            if (pos >= b.length) throw fail("truncated: no STOP opcode before the end");
            int at = pos;
            int op = b[pos++] & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) throw fail("pickle protocol " + v + " at offset " + at + ": expected 2 to 5");
                }
                case 0x95 -> skip(8); // FRAME
                case '.' -> {
                    if (stack.size() != 1 || !marks.isEmpty()) throw fail("STOP with " + stack.size() + " values on the stack: expected 1");
                    return stack.get(0);
                }
                case '(' -> {
                    marks.add(stack.size());
                    push(Pickle.Mark.MARK);
                }
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) le(4).getInt());
                case 'K' -> push((long) u8());
                case 'M' -> push((long) (le(2).getShort() & 0xffff));
                case 0x8a -> push(longN(u8(), at));
                case 0x8b -> push(longN(len(le(4).getInt(), at), at));
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case 'I' -> push(parseInt(line(), at));
                case 'L' -> push(parseInt(stripL(line()), at));
                case 'F' -> push(parseFloat(line(), at));
                case 'X' -> push(utf8(len(le(4).getInt(), at)));
                case 0x8c -> push(utf8(u8()));
                case 0x8d -> push(utf8(len(le(8).getLong(), at)));
                case 'V' -> push(line());
                case 'U' -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
                case 'T' -> push(new String(bytes(len(le(4).getInt(), at)), StandardCharsets.ISO_8859_1));
                case 'B' -> push(bytes(len(le(4).getInt(), at)));
                case 'C' -> push(bytes(u8()));
                case 0x8e, 0x96 -> push(bytes(len(le(8).getLong(), at)));
                case ')' -> push(new Pickle.Tuple(List.of()));
                case ']' -> push(new ArrayList<>());
                case '}' -> push(new LinkedHashMap<>());
                case 0x8f -> push(new ArrayList<>()); // EMPTY_SET: kept as a list
                case 't' -> push(new Pickle.Tuple(popMark()));
                case 0x85 -> push(new Pickle.Tuple(popN(1)));
                case 0x86 -> push(new Pickle.Tuple(popN(2)));
                case 0x87 -> push(new Pickle.Tuple(popN(3)));
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'd' -> push(dict(popMark(), new LinkedHashMap<>()));
                case 0x91 -> push(new ArrayList<>(popMark())); // FROZENSET
                case 'a' -> {
                    Object v = pop();
                    list(peek(), at).add(v);
                }
                case 'e', 0x90 -> { // APPENDS, ADDITEMS
                    List<Object> items = popMark();
                    list(peek(), at).addAll(items);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    map(peek(), at).put(key(k), v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    dict(items, map(peek(), at));
                }
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                case 'p' -> put(parseMemoIndex(line(), at));
                case 'q' -> put(u8());
                case 'r' -> put(le(4).getInt());
                case 0x94 -> put(memo.size());
                case 'g' -> push(get(parseMemoIndex(line(), at)));
                case 'h' -> push(get(u8()));
                case 'j' -> push(get(le(4).getInt()));
                case 'c' -> push(global(line(), line()));
                case 0x93 -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw fail("STACK_GLOBAL at offset " + at + ": expected two strings");
                    push(global(m, n));
                }
                case 'Q' -> { // BINPERSID
                    Object id = pop();
                    if (!(id instanceof Pickle.Tuple t)) throw fail("persistent id at offset " + at + ": expected a tuple, found " + describe(id));
                    push(persistentLoad.apply(t));
                }
                case 'R' -> {
                    Object args = pop();
                    Object f = pop();
                    push(call(f, args, at));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(call(cls, args, at));
                }
                case 'b' -> { // BUILD: state of an OrderedDict (its _metadata) or a tensor: not needed, dropped
                    Object state = pop();
                    Object target = peek();
                    if (!(target instanceof Map) && !(target instanceof TorchTensor)) {
                        throw fail("BUILD at offset " + at + " on " + describe(target) + " (state " + describe(state) + "): expected a dict or a tensor");
                    }
                }
                default -> throw fail("unsupported pickle opcode 0x" + Integer.toHexString(op) + " at offset " + at
                        + " (torch.save writes protocol 2)");
            }
        }
    }

    /** Recognises a global by name; anything outside the allow-list stops the read here, before any use. */
    private Object global(String module, String name) {
        String q = module + "." + name;
        if (module.equals("torch") && STORAGES.containsKey(name)) return new Pickle.Global(module, name);
        if (module.equals("torch") && TorchDType.byTorchName(name) != null) return new Pickle.Global(module, name);
        if (FUNCTIONS.contains(q)) return new Pickle.Global(module, name);
        boolean looksLikeClass = !name.isEmpty() && Character.isUpperCase(name.charAt(0));
        if (module.startsWith("torch.nn") || module.equals("__main__") || (looksLikeClass && !module.startsWith("builtins")
                && !module.equals("os") && !module.equals("posix") && !module.equals("subprocess"))) {
            throw fail("the pickle holds a whole object of class " + q + " (torch.save(model)?): only state_dicts are read;"
                    + " save model.state_dict() instead: torch.save(model.state_dict(), path)");
        }
        throw fail("refused global " + q + ": a state_dict pickle names only OrderedDict, torch tensor rebuilders and storages;"
                + " nothing in the file was run");
    }

    /** Applies an allow-listed global to its arguments. */
    private Object call(Object f, Object args, int at) {
        if (!(f instanceof Pickle.Global g)) throw fail("call at offset " + at + " of " + describe(f) + ": expected an allow-listed global");
        if (!(args instanceof Pickle.Tuple t)) throw fail("call of " + g.qualified() + " at offset " + at + ": expected an argument tuple, found " + describe(args));
        List<Object> a = t.items();
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (!a.isEmpty() && a.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        if (p instanceof Pickle.Tuple pt && pt.items().size() == 2) m.put(key(pt.items().get(0)), pt.items().get(1));
                    }
                }
                return m;
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                if (a.size() < 4) throw fail("_rebuild_tensor_v2 at offset " + at + ": expected at least 4 arguments, found " + a.size());
                if (!(a.get(0) instanceof TorchStorage s)) throw fail("_rebuild_tensor_v2 at offset " + at + ": expected a storage, found " + describe(a.get(0)));
                return new TorchTensor(s, asLong(a.get(1), "storage_offset", at), ints(a.get(2), "size", at), longs(a.get(3), "stride", at));
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (a.isEmpty() || !(a.get(0) instanceof TorchTensor tensor)) {
                    throw fail(g.name() + " at offset " + at + ": expected a tensor, found " + (a.isEmpty() ? "no arguments" : describe(a.get(0))));
                }
                return tensor;
            }
            case "torch._tensor._rebuild_from_type_v2" -> {
                if (a.size() < 3) throw fail("_rebuild_from_type_v2 at offset " + at + ": expected 3 or 4 arguments, found " + a.size());
                return call(a.get(0), a.get(2), at);
            }
            case "_codecs.encode" -> {
                if (a.isEmpty() || !(a.get(0) instanceof String s)) throw fail("_codecs.encode at offset " + at + ": expected a string");
                return s.getBytes(StandardCharsets.ISO_8859_1);
            }
            case "builtins.set", "builtins.frozenset" -> {
                return a.isEmpty() ? new ArrayList<>() : new ArrayList<>(list(a.get(0), at));
            }
            default -> throw fail(g.qualified() + " at offset " + at + " cannot be called (it names a type)");
        }
    }

    private Map<Object, Object> dict(List<Object> items, Map<Object, Object> into) {
        if (items.size() % 2 != 0) throw fail("dict items: expected key/value pairs, found " + items.size() + " values");
        for (int i = 0; i < items.size(); i += 2) into.put(key(items.get(i)), items.get(i + 1));
        return into;
    }

    /** Keys as strings (torch's optimizer state uses int keys). */
    private Object key(Object k) {
        if (k instanceof String || k instanceof Long || k instanceof Boolean || k == null || k instanceof Double) return k;
        throw fail("dict key of type " + describe(k) + ": expected a string or number");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, int at) {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw fail("append at offset " + at + " to " + describe(o) + ": expected a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> map(Object o, int at) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw fail("set item at offset " + at + " on " + describe(o) + ": expected a dict");
    }

    private long asLong(Object o, String what, int at) {
        if (o instanceof Long l) return l;
        throw fail(what + " at offset " + at + ": expected an integer, found " + describe(o));
    }

    private int[] ints(Object o, String what, int at) {
        long[] l = longs(o, what, at);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            if (l[i] < 0 || l[i] > Integer.MAX_VALUE) throw fail(what + " at offset " + at + ": dimension " + l[i] + " out of range");
            out[i] = (int) l[i];
        }
        return out;
    }

    private long[] longs(Object o, String what, int at) {
        if (!(o instanceof Pickle.Tuple t)) throw fail(what + " at offset " + at + ": expected a tuple, found " + describe(o));
        if (t.items().size() > 32) throw fail(what + " at offset " + at + ": " + t.items().size() + " dimensions, more than 32");
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) out[i] = asLong(t.items().get(i), what, at);
        return out;
    }

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) throw fail("stack deeper than " + MAX_STACK + " values");
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == Pickle.Mark.MARK) throw fail("stack underflow at offset " + (pos - 1));
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == Pickle.Mark.MARK) throw fail("stack underflow at offset " + (pos - 1));
        return stack.get(stack.size() - 1);
    }

    private List<Object> popN(int n) {
        Object[] out = new Object[n];
        for (int i = n - 1; i >= 0; i--) out[i] = pop();
        return Arrays.asList(out);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw fail("no MARK before offset " + (pos - 1));
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private void put(int index) {
        if (index < 0) throw fail("memo index " + index + ": expected >= 0");
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) throw fail("memo larger than " + MAX_MEMO + " entries");
        memo.put(index, peek());
    }

    private Object get(int index) {
        if (!memo.containsKey(index)) throw fail("memo index " + index + " was never stored");
        return memo.get(index);
    }

    private int u8() {
        return bytes(1)[0] & 0xff;
    }

    private ByteBuffer le(int n) {
        return ByteBuffer.wrap(bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private byte[] bytes(int n) {
        if (n < 0 || n > b.length - pos) throw fail("truncated: " + n + " bytes wanted at offset " + pos + ", " + (b.length - pos) + " left");
        byte[] out = Arrays.copyOfRange(b, pos, pos + n);
        pos += n;
        return out;
    }

    private void skip(int n) {
        bytes(n);
    }

    private int len(long n, int at) {
        if (n < 0 || n > b.length - pos) throw fail("length " + n + " at offset " + at + " runs past the end (" + (b.length - pos) + " bytes left)");
        return (int) n;
    }

    private String utf8(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String line() {
        int end = pos;
        while (end < b.length && b[end] != '\n') end++;
        if (end >= b.length) throw fail("truncated: a text argument at offset " + pos + " has no newline");
        String s = new String(b, pos, end - pos, StandardCharsets.UTF_8);
        pos = end + 1;
        return s;
    }

    private Object longN(int n, int at) {
        if (n == 0) return 0L;
        if (n > 64) throw fail("integer of " + n + " bytes at offset " + at + ": too large");
        byte[] le = bytes(n);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger v = new BigInteger(be);
        if (v.bitLength() < 64) return v.longValue();
        return v.doubleValue();
    }

    private Object parseInt(String s, int at) {
        if (s.equals("00")) return Boolean.FALSE;
        if (s.equals("01")) return Boolean.TRUE;
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw fail("integer '" + clip(s) + "' at offset " + at + " is not a number");
        }
    }

    private static String stripL(String s) {
        return s.endsWith("L") ? s.substring(0, s.length() - 1) : s;
    }

    private Object parseFloat(String s, int at) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw fail("float '" + clip(s) + "' at offset " + at + " is not a number");
        }
    }

    private int parseMemoIndex(String s, int at) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw fail("memo index '" + clip(s) + "' at offset " + at + " is not a number");
        }
    }

    private static String clip(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        return t.replaceAll("[\\p{Cntrl}]", "?");
    }

    static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof Pickle.Global g) return g.qualified();
        if (o instanceof Pickle.Tuple) return "a tuple";
        if (o instanceof List) return "a list";
        if (o instanceof Map) return "a dict";
        if (o instanceof String s) return "the string '" + clip(s) + "'";
        if (o instanceof TorchTensor) return "a tensor";
        if (o instanceof TorchStorage) return "a storage";
        return o.getClass().getSimpleName();
    }

    private FusedRnnException fail(String msg) {
        return new FusedRnnException(where + ": " + msg.replace('\n', ' '));
    }
}
