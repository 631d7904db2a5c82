package io.fusedrnn.io;

import io.fusedrnn.model.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.fusedrnn.io.NpyTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Safetensors: every dtype decodes exactly; the writer round-trips; each malformation gets one specific message. */
class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void halfBfloatSingleAndDoubleDecodeExactly() {
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path("pytorch/dtypes.safetensors"))) {
            assertEquals(SafetensorsDType.F16, f.entry("f16").dtype());
            assertEquals(SafetensorsDType.BF16, f.entry("bf16").dtype());
            assertArrayEquals(f.read("f16_exact").data(), f.read("f16").data(), "F16");
            assertArrayEquals(f.read("bf16_exact").data(), f.read("bf16").data(), "BF16");
            assertArrayEquals(f.read("f32_exact").data(), f.read("f32").data(), "F32");
            assertEquals(14, f.read("f64").data().length);
        }
    }

    @Test
    void theWriterRoundTripsEveryDtype() {
        double[] v = {0, -0.0, 1, -2.5, 3.140625, 1e-3, 65504, Double.POSITIVE_INFINITY, 1.0 / 3};
        for (SafetensorsDType t : SafetensorsDType.values()) {
            Map<String, NdArray> m = new LinkedHashMap<>();
            m.put("a", new NdArray(new int[] {3, 3}, v));
            m.put("empty", new NdArray(new int[] {0, 4}, new double[0]));
            m.put("s", new NdArray(new int[] {}, new double[] {7}));
            Path p = dir.resolve(t + ".safetensors");
            SafetensorsWriter.write(p, m, t);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(List.of("a", "empty", "s"), List.copyOf(f.names()));
                double[] got = f.read("a").data();
                assertArrayEquals(new int[] {3, 3}, f.shape("a"));
                for (int i = 0; i < v.length; i++) {
                    double tol = switch (t) {
                        case F64 -> 0;
                        case F32 -> Math.ulp((float) v[i]);
                        case F16 -> Math.abs(v[i]) * 1e-3;
                        case BF16 -> Math.abs(v[i]) * 8e-3;
                    };
                    assertEquals(v[i], got[i], tol, t + " [" + i + "]");
                }
                assertArrayEquals(new double[] {7}, f.read("s").data());
            }
        }
    }

    @Test
    void malformedFilesGetSpecificMessages() {
        String one = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertMessage("empty file", () -> open(new byte[0]));
        assertMessage("truncated: 5 bytes, expected at least the 8-byte header length", () -> open(new byte[5]));
        assertMessage("header length 1099511627776 is absurd", () -> open(lengthThenBytes(1L << 40, new byte[16])));
        assertMessage("header length 18446744073709551615 is absurd", () -> open(lengthThenBytes(-1, new byte[16])));
        assertMessage("header length 100 exceeds the 16 bytes after it", () -> open(lengthThenBytes(100, new byte[16])));
        assertMessage("header is not valid JSON", () -> open(file("{\"a\": [1, 2", 0)));
        assertMessage("header is not valid JSON", () -> open(file(one + " {}", 8)));
        assertMessage("header: expected a JSON object, found ARRAY", () -> open(file("[1, 2]", 0)));
        assertMessage("data_offsets [0, 8] out of bounds: the data section has 4 bytes", () -> open(file(one, 4)));
        assertMessage("tensor 'b': unsupported dtype 'I64'", () -> open(file("{\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8)));
        assertMessage("shape [3] of F32 needs 12 bytes, but data_offsets span 8",
                () -> open(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8)));
        assertMessage("tensors 'a' [0, 8) and 'b' [4, 12) overlap", () -> open(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12)));
        assertMessage("data_offsets: begin 8 is after end 0", () -> open(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8)));
        assertMessage("shape[0]: expected a size", () -> open(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8)));
        assertMessage("shape [2147483647, 2147483647, 2147483647] is too large",
                () -> open(file("{\"a\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", 8)));
        assertMessage("expected an array 'shape', found none", () -> open(file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8)));
        assertMessage("header is not valid JSON (Duplicate field 'a'", () -> open(file("{\"a\":{},\"a\":{}}", 0)));
        assertMessage("__metadata__.k: expected a string", () -> open(file("{\"__metadata__\":{\"k\":1}}", 0)));
        assertMessage("header: expected a JSON object, found nothing", () -> open(file("", 0)));
        assertMessage("header is not valid JSON (Document nesting depth", () -> open(file("{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}", 0)));
        assertMessage("header: expected a JSON object, found NULL", () -> open(file("null", 0)));
        assertMessage("shape[0]: expected a size 0..2147483647, found 1.5", () -> open(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8)));
        assertMessage("data_offsets end: expected a non-negative integer, found \"8\"",
                () -> open(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,\"8\"]}}", 8)));
        assertMessage("expected a string 'dtype', found {\"x\":[1,true,null]}", () -> open(file("{\"a\":{\"dtype\":{\"x\":[1,true,null]}}}", 8)));
        Path ok = write(file(one, 8));
        try (SafetensorsFile f = SafetensorsFile.open(ok)) {
            assertMessage("missing tensor 'weight'", () -> f.read("weight"));
        }
    }

    @Test
    void tensorsThatAreNotWeightsAreKeptAndRefusedOnlyWhenRead() {
        // a module's state_dict: float weights beside an int64 buffer (a batch norm's num_batches_tracked),
        // a bool mask, an int32 index and a dtype newer than this reader
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]},"
                + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[16,19]},"
                + "\"idx\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[20,24]},"
                + "\"scale\":{\"dtype\":\"F8_E8M0\",\"shape\":[4],\"data_offsets\":[24,28]}}";
        byte[] bytes = file(h, 28);
        int data = bytes.length - 28;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(data, 1.5f).putFloat(data + 4, -2f).putLong(data + 8, 42);
        try (SafetensorsFile f = SafetensorsFile.open(write(bytes))) {
            assertEquals(List.of("w", "bn.num_batches_tracked", "mask", "idx", "scale"), List.copyOf(f.names()));
            assertArrayEquals(new double[] {1.5, -2}, f.read("w").data());
            assertEquals("I64", f.entry("bn.num_batches_tracked").dtypeName());
            assertEquals(null, f.entry("mask").dtype());
            assertArrayEquals(new int[] {3}, f.shape("mask"));
            assertMessage("tensor 'bn.num_batches_tracked': unsupported dtype 'I64' for weights (expected F16, BF16, F32 or F64)",
                    () -> f.read("bn.num_batches_tracked"));
            assertMessage("tensor 'scale': unsupported dtype 'F8_E8M0' for weights", () -> f.read("scale"));
        }
        // their entries are checked like the others' where the size is known
        assertMessage("tensor 'b': shape [2] of I64 needs 16 bytes, but data_offsets span 8",
                () -> open(file("{\"b\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8)));
        assertMessage("data_offsets [0, 16] out of bounds", () -> open(file("{\"b\":{\"dtype\":\"X9\",\"shape\":[2],\"data_offsets\":[0,16]}}", 8)));
    }

    @Test
    void readingAfterCloseIsAnIllegalState() {
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path("pytorch/dtypes.safetensors"))) {
            f.close();
            assertThrows(IllegalStateException.class, () -> f.read("f64"));
        }
    }

    /** A file with this header text (padded to 8) and {@code dataBytes} zero bytes of data. */
    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) b.put((byte) ' ');
        return b.array();
    }

    private static byte[] lengthThenBytes(long length, byte[] rest) {
        return ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN).putLong(length).put(rest).array();
    }

    private Path write(byte[] bytes) {
        Path p = dir.resolve("bad.safetensors");
        try {
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return p;
    }

    private void open(byte[] bytes) {
        try (SafetensorsFile f = SafetensorsFile.open(write(bytes))) {
            for (String n : f.names()) f.read(n);
        }
    }
}
