package io.fusedrnn.io;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.model.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** .npy files written by numpy (either byte order, C or Fortran order, float16 to float64) read back exactly; everything unsupported or malformed gets one specific message. */
class NpyTest {
    @TempDir
    Path dir;

    static double[] expected() {
        double[] a = new double[24];
        for (int i = 0; i < 24; i++) a[i] = (i - 7) / 4.0;
        return a;
    }

    @Test
    void filesWrittenByNumpyReadExactly() {
        // fortran.npy: np.asfortranarray of the same array, column-major in the file; read in C order as np.load gives it
        for (String f : new String[] {"f8_2x3x4.npy", "f4_2x3x4.npy", "big_endian.npy", "f2.npy", "fortran.npy"}) {
            NdArray a = NpyReader.readFloats(Fixtures.path("npy/" + f));
            assertArrayEquals(new int[] {2, 3, 4}, a.shape(), f);
            assertArrayEquals(expected(), a.data(), f);
        }
        for (String f : new String[] {"i8_lengths.npy", "i4_lengths.npy"}) {
            assertArrayEquals(new double[] {5, 3, 1}, NpyReader.readIntegers(Fixtures.path("npy/" + f)).data(), f);
        }
        NdArray scalar = NpyReader.readFloats(Fixtures.path("npy/scalar.npy"));
        assertEquals(0, scalar.rank());
        assertArrayEquals(new double[] {2.5}, scalar.data());
    }

    @Test
    void unsupportedLayoutsAndTypesAreNamed() {
        assertMessage("unsupported dtype '<c8' (expected float16 '<f2', float32 '<f4', float64 '<f8', int32 '<i4' or int64 '<i8'",
                () -> read(NpyWriter.bytes(new NpyHeader("<c8", false, new int[] {2}), new byte[16])));
        assertMessage("unsupported dtype '|u1'", () -> read(NpyWriter.bytes(new NpyHeader("|u1", false, new int[] {2}), new byte[2])));
        assertMessage("unsupported dtype '<i8' (expected float32", () -> NpyReader.readFloats(Fixtures.path("npy/i8_lengths.npy")));
        assertMessage("unsupported dtype '<f8' (expected int32", () -> NpyReader.readIntegers(Fixtures.path("npy/f8_2x3x4.npy")));
    }

    @Test
    void writerRoundTripsBothPrecisionsAndIntegers() {
        NdArray a = new NdArray(new int[] {3, 1, 2}, new double[] {1.5, -2, 1e-3, 7, 0, -0.0});
        NpyWriter.write(dir.resolve("a64.npy"), a, Precision.FP64);
        NpyWriter.write(dir.resolve("a32.npy"), a, Precision.FP32);
        assertArrayEquals(a.data(), NpyReader.readFloats(dir.resolve("a64.npy")).data());
        NdArray f = NpyReader.readFloats(dir.resolve("a32.npy"));
        for (int i = 0; i < 6; i++) assertEquals((float) a.data()[i], f.data()[i]);
        NpyWriter.writeLongs(dir.resolve("l.npy"), new long[] {4, 0, 2}, 3);
        assertArrayEquals(new double[] {4, 0, 2}, NpyReader.readIntegers(dir.resolve("l.npy")).data());
    }

    @Test
    void malformedFilesGetSpecificMessages() throws IOException {
        byte[] good = NpyWriter.bytes(new NpyHeader("<f8", false, new int[] {2, 3}), new byte[48]);
        assertMessage("empty file", () -> read(new byte[0]));
        assertMessage("bad magic: not a .npy file", () -> read("PK\3\4 this is a zip".getBytes(StandardCharsets.ISO_8859_1)));
        assertMessage("truncated: shape [2, 3] needs 48 data bytes, found 40", () -> read(Arrays.copyOf(good, good.length - 8)));
        assertMessage("needs 48 data bytes, found 56 (trailing bytes)", () -> read(Arrays.copyOf(good, good.length + 8)));
        byte[] version = good.clone();
        version[6] = 9;
        assertMessage("unsupported .npy format version 9", () -> read(version));
        byte[] longHeader = good.clone();
        ByteBuffer.wrap(longHeader).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) 4000);
        assertMessage("truncated: header of 4000 bytes", () -> read(longHeader));
        assertMessage("broken header: expected ',' or '}'", () -> read(withHeader("{'descr': '<f8' 'fortran_order': False, 'shape': (2, 3), }", 48)));
        assertMessage("broken header: expected a size", () -> read(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2, x), }", 48)));
        assertMessage("header: expected keys descr, fortran_order, shape", () -> read(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), 'x': True}", 48)));
        assertMessage("header: expected a tuple 'shape', found null", () -> read(withHeader("{'descr': '<f8', 'fortran_order': False}", 48)));
        assertMessage("size 99999999999 is too large", () -> read(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999,), }", 48)));
        assertMessage("truncated: shape [2147483647, 2147483647] needs", () -> read(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 2147483647), }", 48)));
    }

    private byte[] withHeader(String dict, int dataBytes) {
        byte[] text = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1)).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return b.array();
    }

    private NdArray read(byte[] bytes) throws IOException {
        Path p = dir.resolve("bad.npy");
        Files.write(p, bytes);
        return NpyReader.readFloats(p);
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        FusedRnnException ex = assertThrows(FusedRnnException.class, e);
        assertTrue(ex.getMessage().contains(part), "expected '" + part + "' in: " + ex.getMessage());
        assertTrue(ex.getMessage().contains(".npy") || ex.getMessage().contains(".safetensors"), "names the file: " + ex.getMessage());
        assertEquals(1, ex.getMessage().lines().count(), "one line: " + ex.getMessage());
    }
}
