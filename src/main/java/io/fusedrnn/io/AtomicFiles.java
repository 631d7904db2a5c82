package io.fusedrnn.io;

import io.fusedrnn.FusedRnnException;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes an output file all or nothing: into a hidden temporary file beside the destination, moved
 * into place only once complete, so a failure never leaves a partial output behind.
 */
public final class AtomicFiles {
    /** Fills a file. */
    public interface Content {
        /**
         * Writes the whole file.
         *
         * @param file the temporary path to write
         * @throws IOException when writing fails (nothing reaches the destination)
         */
        void writeTo(Path file) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * A new hidden temporary file in the destination's folder (the caller moves or deletes it).
     *
     * @param destination where the finished file will go
     * @return the empty temporary file
     */
    public static Path temporaryBeside(Path destination) {
        Path dest = destination.toAbsolutePath();
        Path dir = dest.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new FusedRnnException(destination + ": directory " + dir + " does not exist");
        try {
            return Files.createTempFile(dir, "." + dest.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new FusedRnnException(destination + ": cannot create a file in " + dir + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Moves a finished temporary file onto its destination (atomically where the file system can).
     *
     * @param tmp the finished temporary file, from {@link #temporaryBeside}
     * @param destination the file it replaces or creates
     */
    public static void move(Path tmp, Path destination) {
        try {
            try {
                Files.move(tmp, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, destination, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new FusedRnnException(destination + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Writes {@code content} to {@code destination} all or nothing.
     *
     * @param destination the file to create or replace
     * @param content writes the whole file to the path it is given
     * @throws IOException when {@code content} fails; the temporary file is deleted and the destination left as it was
     */
    public static void write(Path destination, Content content) throws IOException {
        Path tmp = temporaryBeside(destination);
        try {
            content.writeTo(tmp);
            move(tmp, destination.toAbsolutePath());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
