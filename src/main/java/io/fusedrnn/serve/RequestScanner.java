package io.fusedrnn.serve;

import com.fasterxml.jackson.core.io.NumberInput;
import io.fusedrnn.model.RnnConfig;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The fast path of {@link InferJson#read}: a strict scanner for well-formed request bodies that reads
 * each number straight from the bytes into the request's float rows, with no tokens, strings or
 * boxes in between. It gives up (returns null) on anything it does not expect: any error, a field
 * twice, an escape in a string, a byte order mark, an integer of more than 18 digits, a number
 * longer than {@value #MAX_NUMBER_CHARS} characters; Jackson then reads the body and names the
 * problem. What it accepts Jackson accepts too, with the same floats (tested bit for bit).
 */
final class RequestScanner {
    private static final int MAX_NUMBER_CHARS = 100;
    /** Largest significand the double fast path takes: every integer below 2^53 is exact in a double. */
    private static final long EXACT = 1L << 53;
    /** 10^0 .. 10^22, each exact in a double. */
    private static final double[] POW10 = new double[23];
    private static final long[] POW10_LONG = new long[9];
    private static final VarHandle LITTLE_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        POW10[0] = 1;
        for (int k = 1; k < POW10.length; k++) POW10[k] = POW10[k - 1] * 10;
        POW10_LONG[0] = 1;
        for (int k = 1; k < POW10_LONG.length; k++) POW10_LONG[k] = POW10_LONG[k - 1] * 10;
    }

    private final byte[] b;
    private final int end;
    private int i;
    /** The last number read. */
    private float value;
    /** The digits read by {@link #digits}. */
    private long run;

    private RequestScanner(byte[] body, int length) {
        this.b = body;
        this.end = length;
    }

    /**
     * Reads {@code body[0, length)} as a request for {@code cfg}, or returns null when it is anything
     * but a well-formed request within {@code maxSteps} (the caller then lets Jackson explain).
     */
    static RnnRequest read(byte[] body, int length, RnnConfig cfg, int maxSteps) {
        return new RequestScanner(body, length).request(cfg, maxSteps);
    }

    private RnnRequest request(RnnConfig cfg, int maxSteps) {
        float[][] x = null, h0 = null, c0 = null;
        Set<Output> outputs = null;
        if (!skip('{')) return null;
        do {
            if (!skipSpace() || b[i] != '"') return null;
            int field = key();
            if (!skip(':')) return null;
            switch (field) {
                case 'x' -> {
                    if (x != null || (x = matrix(-1, cfg.inputSize(), maxSteps)) == null) return null;
                }
                case 'h' -> {
                    if (h0 != null || (h0 = matrix(cfg.sweeps(), cfg.outputSize(), maxSteps)) == null) return null;
                }
                case 'c' -> {
                    if (c0 != null || (c0 = matrix(cfg.sweeps(), cfg.hiddenSize(), maxSteps)) == null) return null;
                }
                case 'o' -> {
                    if (outputs != null || (outputs = outputs()) == null) return null;
                }
                default -> {
                    return null;
                }
            }
        } while (skip(','));
        if (!skip('}') || x == null) return null;
        skipSpace();
        return i == end ? new RnnRequest(x, h0, c0, outputs, null) : null;
    }

    /** The field name at i (a quote): 'x', 'h' (h0), 'c' (c0), 'o' (outputs), or 0 for any other. */
    private int key() {
        if (matches("\"x\"")) return 'x';
        if (matches("\"h0\"")) return 'h';
        if (matches("\"c0\"")) return 'c';
        if (matches("\"outputs\"")) return 'o';
        return 0;
    }

    /** An array of {@code rows} (-1: 1..maxRows) arrays of exactly {@code width} numbers, or null. */
    private float[][] matrix(int rows, int width, int maxRows) {
        if (!skip('[')) return null;
        float[][] out = new float[rows < 0 ? 16 : rows][];
        int n = 0;
        do {
            if (rows < 0 ? n >= maxRows : n >= rows) return null;
            if (!skip('[')) return null;
            float[] row = new float[width];
            for (int j = 0; j < width; j++) {
                if (j > 0 && !skip(',')) return null;
                if (!skipSpace()) return null;
                float f = plain();
                if (f == f) { // NaN: not the plain form, or not this fast path
                    row[j] = f;
                    continue;
                }
                if (!number()) return null;
                row[j] = value;
            }
            if (!skip(']')) return null;
            if (n == out.length) out = Arrays.copyOf(out, 2 * n);
            out[n++] = row;
        } while (skip(','));
        if (!skip(']') || (rows >= 0 && n != rows)) return null;
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** A non-empty array of output names without escapes, or null. */
    private Set<Output> outputs() {
        if (!skip('[')) return null;
        Set<Output> out = EnumSet.noneOf(Output.class);
        do {
            if (!skipSpace()) return null;
            if (matches("\"y\"")) out.add(Output.Y);
            else if (matches("\"h_n\"")) out.add(Output.H_N);
            else if (matches("\"c_n\"")) out.add(Output.C_N);
            else return null;
        } while (skip(','));
        return skip(']') ? out : null;
    }

    /**
     * The common form of a number, {@code -?D{1,8}.D{1,17}} followed by neither a digit nor an exponent
     * (what Float.toString writes for most values, and Python's repr of a float32 widened to double),
     * parsed at i with i moved past it; NaN (i unmoved) for anything else, which {@link #number} then
     * reads. At most 18 digits; below 2^53 one division by an exact power of ten rounds correctly (as
     * in {@link #number}), above it the midpoint guard decides. The fraction is read eight bytes at a
     * time (a body ends in at least "]]}", so only a number at its very end takes the general path).
     */
    private float plain() {
        final byte[] a = b;
        int p = i, e = end;
        boolean negative = a[p] == '-';
        if (negative) p++;
        int s = p;
        long m = 0;
        int d;
        while (p < e && (d = a[p] - '0') >= 0 && d <= 9) {
            m = m * 10 + d;
            p++;
        }
        int intDigits = p - s;
        if (intDigits == 0 || intDigits > 8 || (intDigits > 1 && a[s] == '0') || p >= e || a[p] != '.') return Float.NaN;
        p++;
        int frac = 0;
        // the loop of digits(), kept here with m in a register: through digits() and its field this path
        // took 24-26 ns per number against 20 (RequestReadBench, four alternating pairs)
        for (;;) { // at most three words (18 digits)
            if (p + 8 > e) return Float.NaN;
            long w = (long) LITTLE_LONGS.get(a, p); // a[p] in the lowest byte
            int k = digitBytes(w);
            if (k > 0) {
                m = m * POW10_LONG[k] + eightDigits(w, k);
                p += k;
                frac += k;
            }
            if (k < 8) break;
            if (intDigits + frac > 18) return Float.NaN; // too many digits for m (a wrapped m is never used)
        }
        if (frac == 0 || intDigits + frac > 18 || a[p] == 'e' || a[p] == 'E') return Float.NaN;
        double v = m / POW10[frac];
        // m < 2^53: v is the correctly rounded double, and so its float; 17 or 18 digits (Python's repr of a
        // float32) round once more, which is safe unless v lies near a midpoint between two floats
        if (m >= EXACT && !roundsLikeTheDecimal(v)) return Float.NaN;
        i = p;
        return (float) (negative ? -v : v);
    }

    /** How many of the eight bytes of {@code w} (lowest first) are decimal digits before the first that is not, 0..8. */
    private static int digitBytes(long w) {
        long seven = w & 0x7F7F7F7F7F7F7F7FL;
        long above9 = (seven + 0x4646464646464646L) & 0x8080808080808080L; // 0x39 + 0x46 = 0x7F: high bit set above '9'
        long below0 = ~((seven | 0x8080808080808080L) - 0x3030303030303030L) & 0x8080808080808080L; // high bit cleared below '0'
        long notDigit = (w & 0x8080808080808080L) | above9 | below0;
        return Long.numberOfTrailingZeros(notDigit) >>> 3;
    }

    /** The value of the first {@code k} (1..8) bytes of {@code w} (lowest first), each a decimal digit. */
    private static long eightDigits(long w, int k) {
        long v = (w - 0x3030303030303030L) << (8 * (8 - k)); // the k digits in the top bytes, zeros (leading) below
        v = v * 10 + (v >>> 8);
        return (((v & 0x000000FF000000FFL) * (100 + (1_000_000L << 32))) + (((v >>> 16) & 0x000000FF000000FFL) * (1 + (10_000L << 32)))) >>> 32;
    }

    /**
     * A JSON number at i into {@link #value}, exactly as Jackson's {@code getFloatValue} reads it:
     * the float nearest the decimal (ties to even), and for an integer the float of the integer (so
     * {@code -0} is +0). Returns false for anything else, or a case left to Jackson. Runs of digits
     * are read eight bytes at a time.
     */
    private boolean number() {
        final byte[] a = b;
        final int start = i;
        int p = start;
        boolean negative = a[p] == '-';
        if (negative) p++;
        long m; // every digit, integer and fraction, while there are at most 18 (else unused)
        int intStart = p;
        run = 0;
        p = digits(p);
        m = run;
        int intDigits = p - intStart;
        if (intDigits == 0 || (intDigits > 1 && a[intStart] == '0')) return false; // JSON has no leading zeros
        int fracDigits = 0, significant = m == 0 ? 0 : intDigits; // digits in m that are not leading zeros
        boolean isFloat = false;
        if (p < end && a[p] == '.') {
            isFloat = true;
            int fracStart = p + 1, from = fracStart;
            if (m == 0) while (from < end && a[from] == '0') from++; // 0.000123: the zeros are not significant
            run = m;
            p = digits(from);
            m = run;
            fracDigits = p - fracStart;
            significant += p - from;
            if (fracDigits == 0) return false;
        }
        int exponent = 0;
        if (p < end && (a[p] == 'e' || a[p] == 'E')) {
            isFloat = true;
            p++;
            boolean negativeExponent = p < end && a[p] == '-';
            if (p < end && (a[p] == '-' || a[p] == '+')) p++;
            int expStart = p;
            for (int d; p < end && (d = a[p] - '0') >= 0 && d <= 9; p++) {
                if (exponent < 100_000) exponent = exponent * 10 + d;
            }
            if (p == expStart) return false;
            if (negativeExponent) exponent = -exponent;
        }
        i = p;
        if (p - start > MAX_NUMBER_CHARS) return false;
        boolean exact = significant <= 18; // then m holds every digit without overflow
        if (!isFloat) {
            if (!exact) return false; // Jackson reads it as a BigInteger
            value = (float) (negative ? -m : m); // int and long to float round once, like Jackson's (float) of its int or long
            return true;
        }
        int e10 = exponent - fracDigits;
        if (exact && m == 0) {
            value = negative ? -0f : 0f;
            return true;
        }
        if (exact && e10 >= -22 && e10 <= 22) {
            double v = e10 < 0 ? m / POW10[-e10] : m * POW10[e10];
            // m < 2^53: m and 10^|e10| are exact doubles, so v is the correctly rounded double, and
            // rounding it to float gives the correctly rounded float: double rounding is harmless for one
            // division or multiplication when 53 >= 2·24 + 2 (Figueroa, 1995). A larger m (17 or 18
            // digits, as Python writes a float32) rounds once more: v is then within 2 ulps of the
            // decimal, which is enough unless v lies near a midpoint between two floats
            if (m < EXACT || roundsLikeTheDecimal(v)) {
                value = (float) (negative ? -v : v);
                return true;
            }
        }
        value = NumberInput.parseFloat(new String(a, start, p - start, StandardCharsets.ISO_8859_1), true);
        return true;
    }

    /**
     * Whether {@code v}, a positive double within 2 ulps of a decimal, rounds to the float that the
     * decimal rounds to: v is a normal float's magnitude and more than 8 ulps from every midpoint
     * between two floats (the 29 bits a float drops are then not within 8 of 1000…0).
     */
    private static boolean roundsLikeTheDecimal(double v) {
        if (!(v >= Float.MIN_NORMAL && v <= Float.MAX_VALUE)) return false;
        long dropped = Double.doubleToRawLongBits(v) & ((1L << 29) - 1);
        return Math.abs(dropped - (1L << 28)) > 8;
    }

    /**
     * Reads the run of decimal digits at p onto {@link #run} (run·10^k + the k digits, wrapping past
     * 18 digits, which the caller then ignores) and returns where the run ends.
     */
    private int digits(int p) {
        final byte[] a = b;
        long m = run;
        while (p + 8 <= end) {
            long w = (long) LITTLE_LONGS.get(a, p);
            int k = digitBytes(w);
            if (k > 0) {
                m = m * POW10_LONG[k] + eightDigits(w, k);
                p += k;
            }
            if (k < 8) {
                run = m;
                return p;
            }
        }
        for (int d; p < end && (d = a[p] - '0') >= 0 && d <= 9; p++) m = m * 10 + d;
        run = m;
        return p;
    }

    /** Skips whitespace; true if a byte follows. */
    private boolean skipSpace() {
        while (i < end) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return true;
            i++;
        }
        return false;
    }

    /** Skips whitespace and then {@code c}; false (nothing skipped past the whitespace) if c is not next. */
    private boolean skip(char c) {
        if (!skipSpace() || b[i] != c) return false;
        i++;
        return true;
    }

    /** Skips {@code s} (ASCII) if it is next. */
    private boolean matches(String s) {
        int n = s.length();
        if (end - i < n) return false;
        for (int k = 0; k < n; k++) if (b[i + k] != s.charAt(k)) return false;
        i += n;
        return true;
    }
}
