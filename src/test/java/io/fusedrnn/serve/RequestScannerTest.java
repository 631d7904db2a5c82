package io.fusedrnn.serve;

import io.fusedrnn.model.RnnConfig;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link RequestScanner} against Jackson's path ({@link InferJson#readJackson}): every body the
 * scanner accepts gives the same floats bit for bit, and the same fields; everything malformed or
 * unusual is left to Jackson.
 */
class RequestScannerTest {
    private static final RnnConfig LSTM = RnnConfig.lstm(4, 3, 0, 1, false); // x rows of 4, h0 of 3, c0 of 3, L·D = 1

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static RnnRequest fast(String body) {
        byte[] b = bytes(body);
        return RequestScanner.read(b, b.length, LSTM, 100);
    }

    private static RnnRequest readJackson(String body) {
        byte[] b = bytes(body);
        return InferJson.readJackson(b, b.length, LSTM, 100);
    }

    /** {@link InferJson#read} of the body in a larger buffer: bytes past the length are ignored. */
    private static RnnRequest read(String body) {
        byte[] b = bytes(body + "]]]garbage");
        return InferJson.read(b, b.length - "]]]garbage".length(), LSTM, 100);
    }

    private static void assertSameAsJackson(String body) {
        RnnRequest fast = fast(body);
        assertNotNull(fast, () -> "the scanner gave up on " + body);
        RnnRequest slow = readJackson(body);
        assertBits(slow.x(), fast.x(), body);
        assertBits(slow.h0(), fast.h0(), body);
        assertBits(slow.c0(), fast.c0(), body);
        assertEquals(slow.outputs(), fast.outputs(), body);
    }

    private static void assertBits(float[][] expected, float[][] actual, String body) {
        if (expected == null) {
            assertNull(actual, body);
            return;
        }
        assertNotNull(actual, body);
        assertEquals(expected.length, actual.length, body);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i].length, actual[i].length, body);
            for (int j = 0; j < expected[i].length; j++) {
                int e = Float.floatToRawIntBits(expected[i][j]), a = Float.floatToRawIntBits(actual[i][j]);
                if (e != a) {
                    throw new AssertionError("x[" + i + "][" + j + "] of " + body + ": Jackson " + expected[i][j] + " (0x" + Integer.toHexString(e)
                            + "), scanner " + actual[i][j] + " (0x" + Integer.toHexString(a) + ")");
                }
            }
        }
    }

    /** Number texts of every shape a client writes: Java's and Python's shortest floats and doubles, fixed and exponent forms, integers. */
    private static List<String> numbers(Random r, int count) {
        List<String> out = new ArrayList<>(List.of("0", "-0", "0.0", "-0.0", "1", "-1", "0e0", "-0E-0", "1e0", "1E+2", "1e-2", "123456789",
                "123456789012345678", "-123456789012345678", "16777217", "16777217.0", "9007199254740993", "9007199254740993.0",
                "3.4028235E38", "3.4028236E38", "1e39", "1e400", "-1e400", "1.4E-45", "7.0E-46", "7.1E-46", "1e-46", "1e-400", "1.17549435E-38",
                "0.30000001192092896", "0.1", "0.000001", "0.0000000000000000000000123", "1.00000000000000000000000000000001",
                "123456789012345678901234567890.5", "0.5e-22", "1e22", "1e23", "4.9e-22", "0.0000000000000000000001e22"));
        for (int k = 0; k < count; k++) {
            switch (k % 7) {
                case 0 -> out.add(Float.toString((float) r.nextGaussian()));
                case 1 -> { // any exponent, subnormals included
                    float f = Float.intBitsToFloat(r.nextInt());
                    out.add(Float.toString(Float.isFinite(f) ? f : 1.5f));
                }
                case 2 -> out.add(Double.toString((double) (float) r.nextGaussian())); // a float printed as a double (17 digits, like Python)
                case 3 -> out.add(Double.toString(r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20)));
                case 4 -> out.add(Long.toString(r.nextLong() >> (8 + r.nextInt(56)))); // up to 17 digits
                case 5 -> { // random digits around a random point, with or without an exponent
                    StringBuilder digits = new StringBuilder().append(1 + r.nextInt(9));
                    int n = 1 + r.nextInt(22);
                    for (int d = 1; d < n; d++) digits.append(r.nextInt(10));
                    int point = r.nextInt(n + 1);
                    String text = point == 0 ? "0." + digits : point == n ? digits.toString() : digits.substring(0, point) + "." + digits.substring(point);
                    boolean exponent = r.nextBoolean();
                    if (exponent) text += (r.nextBoolean() ? "e" : "E") + (r.nextBoolean() ? "-" : r.nextBoolean() ? "+" : "") + r.nextInt(50);
                    else if (point == n && n > 18) text += ".0"; // an integer of more than 18 digits is left to Jackson (tested below)
                    out.add((r.nextBoolean() ? "-" : "") + text);
                }
                default -> out.add("0." + "0".repeat(r.nextInt(30)) + (1 + r.nextInt(999_999_999)));
            }
        }
        return out;
    }

    @Test
    void everyNumberShapeReadsToJacksonsFloatBitForBit() {
        List<String> numbers = numbers(new Random(11), 60_000);
        int fastHits = 0;
        for (int k = 0; k + 4 <= numbers.size(); k += 4) {
            String body = "{\"x\": [[" + String.join(",", numbers.subList(k, k + 4)) + "]]}";
            assertSameAsJackson(body);
            fastHits++;
        }
        assertEquals(numbers.size() / 4, fastHits);
    }

    /**
     * Decimals of 17 and 18 digits near the midpoint between two floats, where a double computed from
     * them may round to the other float: the scanner must notice and take the exact path.
     */
    @Test
    void decimalsNearAMidpointBetweenFloatsReadToJacksonsFloat() {
        Random r = new Random(5);
        List<String> numbers = new ArrayList<>();
        for (int k = 0; k < 3000; k++) {
            float f = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
            BigDecimal mid = new BigDecimal((double) f).add(new BigDecimal(Math.ulp(f)).divide(BigDecimal.TWO)); // exact
            int digits = 17 + r.nextInt(2);
            BigDecimal rounded = mid.round(new MathContext(digits));
            for (int units : new int[] {0, 1, -1, 3, -3, 10, -10, 30, -30, 100, -100}) {
                numbers.add(rounded.add(rounded.ulp().multiply(BigDecimal.valueOf(units))).toString());
            }
        }
        for (int k = 0; k + 4 <= numbers.size(); k += 4) assertSameAsJackson("{\"x\": [[" + String.join(",", numbers.subList(k, k + 4)) + "]]}");
    }

    @Test
    void fieldsWhitespaceAndOrderReadLikeJackson() {
        assertSameAsJackson("{\"x\":[[1,2,3,4]]}");
        assertSameAsJackson(" \t\r\n{ \"outputs\" : [ \"h_n\" , \"y\" ] ,\n \"x\" : [ [ 1 , 2 , 3 , 4 ] ,\t[5,6,7,8] ] } \n");
        assertSameAsJackson("{\"c0\":[[0.5,-0.5,1e-3]],\"h0\":[[1,2,3]],\"x\":[[1,2,3,4],[0,0,0,0],[9,9,9,9]],\"outputs\":[\"c_n\",\"c_n\"]}");
        assertSameAsJackson("{\"x\":[" + "[1.5,2.5,3.5,4.5],".repeat(99) + "[0,0,0,0]]}"); // 100 rows: the limit, and the growing row list
    }

    @Test
    void malformedOrUnusualBodiesAreLeftToJackson() {
        String row = "[1,2,3,4]";
        for (String body : List.of("", " ", "[]", "{}", "{\"x\":[]}", "{\"x\":[[]]}", "{\"x\":[[1,2,3]]}", "{\"x\":[[1,2,3,4,5]]}",
                "{\"x\":[" + row + "],}", "{\"x\":[" + row + ",]}", "{\"x\":[[1,2,3,4,]]}", "{\"x\":[" + row + "]", "{\"x\":[" + row + "]}x",
                "{\"x\":[" + row + "]}{}", "{\"x\":[" + row + "]} 1", "{\"x\":" + row + "}", "{\"x\":[" + row + "],\"x\":[" + row + "]}",
                "{\"x\":[" + row + "],\"y\":1}", "{\"X\":[" + row + "]}", "{\"\\u0078\":[" + row + "]}", "\uFEFF{\"x\":[" + row + "]}",
                "{\"x\":[" + row + "],\"outputs\":[]}", "{\"x\":[" + row + "],\"outputs\":[\"h\\u005fn\"]}", "{\"x\":[" + row + "],\"outputs\":[\"z\"]}",
                "{\"x\":[" + row + "],\"outputs\":\"y\"}", "{\"x\":[" + row + "],\"h0\":[[1,2,3],[1,2,3]]}", "{\"x\":[" + row + "],\"c0\":[[1,2]]}",
                "{\"x\":[" + row + "],\"h0\":null}", "{'x':[" + row + "]}", "{\"x\":[" + row + "]/**/}", "{\"x\":[" + (row + ",").repeat(100) + row + "]}",
                "{\"x\":[[1,2,3,123456789012345678901]]}", "{\"x\":[[1,2,3,0." + "1".repeat(100) + "]]}")) {
            assertNull(fast(body), () -> "the scanner accepted " + body);
        }
        for (String number : List.of("01", "-01", "00", "1.", "-.5", ".5", "+1", "1e", "1e+", "-", "--1", "NaN", "Infinity", "-Infinity", "1.5.2",
                "0x10", "1_000", "1e5e5", "1,5", "\"1\"", "true", "null", "[1]", "1 2")) {
            String body = "{\"x\":[[1,2,3," + number + "]]}";
            assertNull(fast(body), () -> "the scanner accepted " + body);
            assertThrows(HttpError.class, () -> readJackson(body), body);
        }
    }

    @Test
    void readTakesTheFastPathAndFallsBackForTheRest() {
        RnnRequest r = read("{\"x\":[[1,2,3,4]],\"outputs\":[\"h_n\"]}");
        assertArrayEquals(new float[] {1, 2, 3, 4}, r.x()[0]);
        // an escape the scanner leaves to Jackson: the same request
        RnnRequest escaped = read("{\"x\":[[1,2,3,4]],\"outputs\":[\"h\\u005fn\"]}");
        assertEquals(r.outputs(), escaped.outputs());
        HttpError e = assertThrows(HttpError.class, () -> read("{\"x\":[[1,2,3]]}"));
        assertEquals("x[0]: expected 4 numbers (I), found 3", e.getMessage());
        HttpError tooLong = assertThrows(HttpError.class, () -> read("{\"x\":[" + "[1,2,3,4],".repeat(100) + "[1,2,3,4]]}"));
        assertEquals(413, tooLong.status);
    }
}
