package io.fusedrnn.formats;

import io.fusedrnn.ByteEdits;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.model.Fixtures;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.RnnModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutation fuzzing of the new readers through {@link RnnModel#load}: random corruptions of
 * real torch.save, ONNX and Keras files (for zips, also of the entries inside, re-zipped so the
 * damage reaches the pickle or the HDF5 file). Only {@link FusedRnnException} may escape, its
 * message is one line naming the file, and a model that loads holds no more values than the file
 * has bytes. A failure prints the seed and mutant number.
 */
class FormatsFuzzTest {
    static final long SEED = Long.getLong("fusedrnn.fuzz.seed", 20261130L);
    static final int MUTANTS = Integer.getInteger("fusedrnn.fuzz.mutants", 300);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void torchMutants() throws IOException {
        fuzzZip("torch/lstm_l2_bi.pt", "mutant.pt", 1, "lstm_l2_bi/data.pkl");
        fuzzZip("torch/checkpoint.pth", "mutant.pth", 2, "checkpoint/data.pkl");
        fuzzFile("torch/shared.pt", "mutant-shared.pt", 3);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void onnxMutants() throws IOException {
        fuzzFile("onnx/export_lstm_l2_bi.onnx", "mutant.onnx", 4);
        fuzzFile("onnx/lstm_reverse_lens.onnx", "mutant2.onnx", 5);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void kerasMutants() throws IOException {
        fuzzZip("keras/gru_bi_after.keras", "mutant.keras", 6, "config.json");
        fuzzZip("keras/lstm2_dense.keras", "mutant2.keras", 7, "model.weights.h5");
        fuzzFile("keras/gru_before_dropout.h5", "mutant.h5", 8);
    }

    /** Mutates the whole file. */
    private void fuzzFile(String fixture, String name, long salt) throws IOException {
        byte[] seed = Files.readAllBytes(Fixtures.path(fixture));
        Random rnd = new Random(SEED * 31 + salt);
        Path p = dir.resolve(name);
        int ok = 0;
        for (int i = 0; i < MUTANTS; i++) {
            byte[] m = mutate(seed, rnd);
            Files.write(p, m);
            ok += check(p, m.length, i, fixture) ? 1 : 0;
        }
        System.err.println("fuzz " + fixture + ": " + MUTANTS + " mutants, " + ok + " loaded, the rest refused");
    }

    /** Mutates one entry inside the zip (half the time) or the zip's own bytes. */
    private void fuzzZip(String fixture, String name, long salt, String entry) throws IOException {
        Path src = Fixtures.path(fixture);
        byte[] whole = Files.readAllBytes(src);
        Random rnd = new Random(SEED * 31 + salt);
        Path p = dir.resolve(name);
        int ok = 0;
        try (ZipFile z = new ZipFile(src.toFile())) {
            byte[] inner = z.getInputStream(z.getEntry(entry)).readAllBytes();
            for (int i = 0; i < MUTANTS; i++) {
                byte[] m;
                if (rnd.nextBoolean()) {
                    m = mutate(whole, rnd);
                } else {
                    m = rezip(z, entry, mutate(inner, rnd));
                }
                Files.write(p, m);
                ok += check(p, m.length, i, fixture) ? 1 : 0;
            }
        }
        System.err.println("fuzz " + fixture + " (entry " + entry + "): " + MUTANTS + " mutants, " + ok + " loaded, the rest refused");
    }

    private static byte[] rezip(ZipFile z, String entry, byte[] replacement) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zo = new ZipOutputStream(out)) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                zo.putNextEntry(new ZipEntry(e.getName()));
                zo.write(e.getName().equals(entry) ? replacement : z.getInputStream(e).readAllBytes());
                zo.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static boolean check(Path p, long bytes, int i, String fixture) {
        try {
            RnnModel m = RnnModel.load(p, LoadOptions.defaults());
            long values = 0;
            for (LayerWeights w : m.weights()) {
                for (int k = 0; k < LayerWeights.NAMES.length; k++) if (w.tensor(k) != null) values += w.tensor(k).length;
            }
            assertTrue(values <= bytes, fixture + " mutant " + i + " (seed " + SEED + "): " + values + " values from " + bytes + " bytes");
            return true;
        } catch (FusedRnnException e) {
            String msg = e.getMessage();
            if (msg == null || !msg.startsWith(p.toString()) || msg.contains("\n")) {
                fail(fixture + " mutant " + i + " (seed " + SEED + "): message must be one line naming the file, found: " + msg);
            }
            return false;
        } catch (Throwable t) {
            throw new AssertionError(fixture + " mutant " + i + " (seed " + SEED + ", -Dfusedrnn.fuzz.seed to reproduce) threw " + t, t);
        }
    }

    /** One to four random edits: bit flips, random bytes, small-number bytes, truncation, insertion, deletion. */
    static byte[] mutate(byte[] seed, Random rnd) {
        byte[] b = seed.clone();
        int edits = 1 + rnd.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(7)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = (byte) rnd.nextInt(256);
                case 2 -> b[at] = (byte) (rnd.nextBoolean() ? 0xff : rnd.nextInt(4));
                case 3 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                case 4 -> b = ByteEdits.insert(b, at, (byte) rnd.nextInt(256));
                case 5 -> b = ByteEdits.delete(b, at);
                default -> { // a burst of random bytes, e.g. over a length field
                    for (int k = at; k < Math.min(b.length, at + 1 + rnd.nextInt(8)); k++) b[k] = (byte) rnd.nextInt(256);
                }
            }
        }
        return b;
    }
}
