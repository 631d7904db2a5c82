package io.fusedrnn.formats;

import io.fusedrnn.ByteEdits;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.model.Fixtures;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.RnnModel;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutation fuzzing of the new readers through {@link RnnModel#load}: random corruptions of
 * real torch.save, ONNX and Keras files (for zips, half the time of an entry inside, re-zipped so the
 * damage reaches the pickle or the HDF5 file). Only {@link FusedRnnException} may escape, its
 * message is one line naming the file, and a model that loads holds no more values than the file
 * has bytes. A failure prints the seed and mutant number.
 */
class FormatsFuzzTest {
    static final long SEED = Long.getLong("fusedrnn.fuzz.seed", 20261130L);
    static final int MUTANTS = Integer.getInteger("fusedrnn.fuzz.mutants", 300);

    @TempDir
    Path dir;

    /** Each fixture, its salt (so each has its own mutants) and, for a zip, the entry whose bytes are mutated half the time. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"torch/lstm_l2_bi.pt, 1, lstm_l2_bi/data.pkl", "torch/checkpoint.pth, 2, checkpoint/data.pkl", "torch/shared.pt, 3,",
            "onnx/export_lstm_l2_bi.onnx, 4,", "onnx/lstm_reverse_lens.onnx, 5,",
            "keras/gru_bi_after.keras, 6, config.json", "keras/lstm2_dense.keras, 7, model.weights.h5", "keras/gru_before_dropout.h5, 8,"})
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void mutantsLoadOrAreRefusedInOneLine(String fixture, long salt, String entry) throws IOException {
        Path src = Fixtures.path(fixture);
        byte[] whole = Files.readAllBytes(src);
        Random rnd = new Random(SEED * 31 + salt);
        Path p = dir.resolve("mutant-" + src.getFileName());
        int ok = 0;
        try (ZipFile z = entry == null ? null : new ZipFile(src.toFile())) {
            byte[] inner = z == null ? null : z.getInputStream(z.getEntry(entry)).readAllBytes();
            for (int i = 0; i < MUTANTS; i++) {
                byte[] m = z != null && !rnd.nextBoolean() ? rezip(z, entry, ByteEdits.mutate(inner, rnd, EDITS)) : ByteEdits.mutate(whole, rnd, EDITS);
                Files.write(p, m);
                ok += check(p, m.length, i, fixture) ? 1 : 0;
            }
        }
        System.err.println("fuzz " + fixture + (entry == null ? "" : " (entry " + entry + ")") + ": " + MUTANTS + " mutants, " + ok
                + " loaded, the rest refused");
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

    /** Bit flips, random bytes, small-number bytes, truncation, insertion, deletion, bursts of random bytes. */
    static final List<ByteEdits.Edit> EDITS = List.of(ByteEdits.FLIP, ByteEdits.overwrite(ByteEdits.ANY),
            ByteEdits.overwrite(rnd -> (byte) (rnd.nextBoolean() ? 0xff : rnd.nextInt(4))), ByteEdits.TRUNCATE,
            ByteEdits.insert(ByteEdits.ANY), ByteEdits.DELETE, (b, at, rnd) -> { // a burst of random bytes, e.g. over a length field
                for (int k = at; k < Math.min(b.length, at + 1 + rnd.nextInt(8)); k++) b[k] = (byte) rnd.nextInt(256);
                return b;
            });
}
