package io.fusedrnn.io;

import io.fusedrnn.FusedRnnException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiFunction;

/** Maps a whole file read-only for the file readers, with their one-line errors and no leaked arena. */
final class MappedFile {
    private MappedFile() {
    }

    /**
     * Maps {@code path} into a fresh shared arena and hands both to {@code parse}, which owns the arena
     * from then on; if anything fails before {@code parse} returns, the arena is closed.
     *
     * @param expected what the file should hold, for the empty-file message ("a .npy array")
     */
    static <T> T open(Path path, String expected, BiFunction<Arena, MemorySegment, T> parse) {
        String file = path.toString();
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new FusedRnnException(file + ": empty file (expected " + expected + ")");
            return parse.apply(arena, ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena));
        } catch (NoSuchFileException e) {
            arena.close();
            throw new FusedRnnException(file + ": no such file", e);
        } catch (IOException e) {
            arena.close();
            throw new FusedRnnException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }
}
