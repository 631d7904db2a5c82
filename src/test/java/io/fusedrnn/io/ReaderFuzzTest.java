package io.fusedrnn.io;

import io.fusedrnn.ByteEdits;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutation fuzzing of both readers: thousands of random corruptions of valid files per run,
 * parsed from memory (every 50th also through a real file, mapped). Only {@link FusedRnnException} may escape, its message is one line naming the file, and what a
 * successful read returns is bounded by the file's size (so memory stays bounded). A failure
 * prints the seed and mutation number, which reproduce it.
 */
class ReaderFuzzTest {
    static final long SEED = Long.getLong("fusedrnn.fuzz.seed", 20261122L);
    static final int MUTANTS = Integer.getInteger("fusedrnn.fuzz.mutants", 5000);
    private static final byte[] TOKENS = "{}[]\",:0123456789-eE.tfn ".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void safetensorsMutantsOnlyEverThrowTheDocumentedException() throws IOException {
        Map<String, NdArray> m = new LinkedHashMap<>();
        m.put("weight_ih_l0", new NdArray(new int[] {8, 3}, ramp(24)));
        m.put("bias_ih_l0", new NdArray(new int[] {8}, ramp(8)));
        m.put("s", new NdArray(new int[] {}, new double[] {1}));
        byte[][] seeds = new byte[SafetensorsDType.values().length][];
        for (SafetensorsDType t : SafetensorsDType.values()) {
            Path p = dir.resolve("seed-" + t + ".safetensors");
            SafetensorsWriter.write(p, m, t);
            seeds[t.ordinal()] = Files.readAllBytes(p);
        }
        fuzz(seeds, dir.resolve("mutant.safetensors"), 1, (path, bytes) -> {
            long elements = 0;
            try (SafetensorsFile f = bytes == null ? SafetensorsFile.open(path) : SafetensorsFile.fromBytes(path.toString(), bytes)) {
                for (String n : f.names()) elements += f.read(n).data().length;
            }
            return elements;
        });
    }

    @Test
    void npyMutantsOnlyEverThrowTheDocumentedException() {
        NdArray a = new NdArray(new int[] {2, 3, 4}, ramp(24));
        byte[][] floatSeeds = {
                NpyWriter.bytes(new NpyHeader("<f4", false, a.shape()), floats(a.data())),
                NpyWriter.bytes(new NpyHeader("<f8", false, a.shape()), doubles(a.data()))};
        fuzz(floatSeeds, dir.resolve("mutant.npy"), 2, (path, bytes) ->
                (bytes == null ? NpyReader.readFloats(path) : NpyReader.fromBytes(path.toString(), bytes, true)).data().length);
        byte[][] intSeeds = {NpyWriter.bytes(new NpyHeader("<i8", false, new int[] {3}), doubles(new double[] {1, 2, 3})),
                NpyWriter.bytes(new NpyHeader("<i4", false, new int[] {2, 2}), floats(new double[4]))};
        fuzz(intSeeds, dir.resolve("lengths.npy"), 3, (path, bytes) ->
                (bytes == null ? NpyReader.readIntegers(path) : NpyReader.fromBytes(path.toString(), bytes, false)).data().length);
    }

    /** Reads a mutant from {@code bytes}, or from the file {@code path} when bytes is null; returns the elements read. */
    interface Reader {
        long read(Path path, byte[] bytes) throws Exception;
    }

    private static void fuzz(byte[][] seeds, Path path, long salt, Reader reader) {
        Random rnd = new Random(SEED * 31 + salt);
        int accepted = 0;
        for (int i = 0; i < MUTANTS; i++) {
            byte[] mutant = ByteEdits.mutate(seeds[rnd.nextInt(seeds.length)], rnd, EDITS);
            try {
                boolean viaFile = i % 50 == 0;
                if (viaFile) Files.write(path, mutant);
                long elements = reader.read(path, viaFile ? null : mutant);
                assertTrue(elements <= mutant.length, "mutant " + i + " (seed " + SEED + "): read " + elements + " elements from " + mutant.length + " bytes");
                accepted++;
            } catch (FusedRnnException e) {
                String msg = e.getMessage();
                if (msg == null || !msg.startsWith(path.toString()) || msg.contains("\n")) {
                    fail("mutant " + i + " (seed " + SEED + "): message must be one line naming the file, found: " + msg);
                }
            } catch (Throwable t) {
                throw new AssertionError("mutant " + i + " (seed " + SEED + ", -Dfusedrnn.fuzz.seed to reproduce) threw " + t
                        + "; bytes " + Arrays.toString(Arrays.copyOf(mutant, Math.min(mutant.length, 96))), t);
            }
        }
        System.err.println("fuzz " + path.getFileName() + ": " + MUTANTS + " mutants, " + accepted + " read successfully, the rest rejected");
    }

    /** Flips, random bytes, token overwrites, truncation, token insertion, deletion, length-field damage, digit changes. */
    static final List<ByteEdits.Edit> EDITS = List.of(ByteEdits.FLIP, ByteEdits.overwrite(ByteEdits.ANY),
            ByteEdits.overwrite(rnd -> TOKENS[rnd.nextInt(TOKENS.length)]), ByteEdits.TRUNCATE,
            ByteEdits.insert(rnd -> TOKENS[rnd.nextInt(TOKENS.length)]), ByteEdits.DELETE,
            (b, at, rnd) -> { // damage the length field of either format (bytes 0..7 safetensors, 8..9 npy)
                if (b.length >= 10) b[rnd.nextInt(10)] = (byte) rnd.nextInt(256);
                return b;
            },
            (b, at, rnd) -> { // replace a digit run by another number, e.g. a shape or an offset
                int start = at;
                while (start < b.length && !Character.isDigit(b[start])) start++;
                if (start < b.length) b[start] = (byte) ('0' + rnd.nextInt(10));
                return b;
            });

    private static double[] ramp(int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (i - n / 2) * 0.25;
        return a;
    }

    private static byte[] floats(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) b.putFloat((float) d);
        return b.array();
    }

    private static byte[] doubles(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) b.putDouble(d);
        return b.array();
    }
}
