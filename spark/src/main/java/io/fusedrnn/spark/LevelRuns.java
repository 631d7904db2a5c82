package io.fusedrnn.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One data page's repetition or definition levels, collected as runs (level, count) and written in
 * Parquet's RLE/bit-packing hybrid encoding using RLE runs only (a header {@code varint(count << 1)},
 * then the level in {@code ceil(bitWidth / 8)} little-endian bytes), prefixed with the 4-byte length
 * a V1 data page carries. A float matrix's levels are a few runs per step, so this costs per run,
 * where parquet-mr's encoder costs per value.
 */
final class LevelRuns {
    private final int maxLevel;
    private final int valueBytes;
    private int[] levels = new int[256];
    private int[] counts = new int[256];
    private int runs;

    /** Runs of levels in 0..{@code maxLevel}. */
    LevelRuns(int maxLevel) {
        this.maxLevel = maxLevel;
        int bitWidth = 32 - Integer.numberOfLeadingZeros(maxLevel);
        this.valueBytes = (bitWidth + 7) / 8;
    }

    /** Appends {@code count} (≥ 1) copies of {@code level}, joining the last run when it has the same level. */
    void add(int level, int count) {
        if (runs > 0 && levels[runs - 1] == level) {
            counts[runs - 1] += count;
            return;
        }
        if (runs == levels.length) {
            levels = Arrays.copyOf(levels, 2 * runs);
            counts = Arrays.copyOf(counts, 2 * runs);
        }
        levels[runs] = level;
        counts[runs++] = count;
    }

    /** The most bytes {@link #write} can take: the length prefix, and per run a 5-byte varint and the level. */
    int maxBytes() {
        return 4 + runs * (5 + valueBytes);
    }

    /** Writes the length-prefixed encoding at {@code at}; returns the position after it. */
    int write(byte[] dst, int at) {
        int p = at + 4;
        for (int r = 0; r < runs; r++) {
            for (long header = (long) counts[r] << 1; ; header >>>= 7) { // unsigned LEB128 varint
                if (header < 0x80) {
                    dst[p++] = (byte) header;
                    break;
                }
                dst[p++] = (byte) (header & 0x7f | 0x80);
            }
            for (int b = 0, v = levels[r]; b < valueBytes; b++, v >>>= 8) dst[p++] = (byte) v;
        }
        int length = p - at - 4;
        for (int b = 0; b < 4; b++) dst[at + b] = (byte) (length >>> 8 * b);
        return p;
    }

    /** How many times each level 0..maxLevel occurs, as parquet-mr's size statistics record it. */
    List<Long> histogram() {
        long[] h = new long[maxLevel + 1];
        for (int r = 0; r < runs; r++) h[levels[r]] += counts[r];
        List<Long> out = new ArrayList<>(h.length);
        for (long c : h) out.add(c);
        return out;
    }

    /** Forgets the page's runs. */
    void clear() {
        runs = 0;
    }
}
