package io.fusedrnn.cli;

import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Base of the {@code infer} tests: a temp folder for their files, and {@code infer} run with its stderr kept. */
abstract class InferRun {
    @TempDir
    Path dir;

    /** What the last {@link #infer} wrote to stderr. */
    String stderr;

    /** Runs {@code infer} with {@code args}, keeps its stderr in {@link #stderr} and returns its exit status. */
    int infer(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int status = InferCommand.run(args, new PrintStream(buf, true, StandardCharsets.UTF_8));
        stderr = buf.toString(StandardCharsets.UTF_8);
        return status;
    }

    /** The names of the files in {@link #dir}, sorted (to show that a failed run left nothing). */
    List<String> listing() {
        try (var s = Files.list(dir)) {
            List<String> names = new ArrayList<>(s.map(q -> q.getFileName().toString()).toList());
            names.sort(null);
            return names;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
