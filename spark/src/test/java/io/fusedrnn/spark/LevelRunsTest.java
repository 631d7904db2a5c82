package io.fusedrnn.spark;

import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridDecoder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** LevelRuns writes what parquet-mr's RLE/bit-packing hybrid decoder reads back, level for level, with a V1 page's length prefix. */
class LevelRunsTest {
    @Test
    void parquetMrsDecoderReadsTheLevelsBack() throws IOException {
        Random r = new Random(7);
        for (int maxLevel : new int[] {1, 2, 3, 7, 200, 300}) { // bit widths 1, 2, 2, 3, 8 and 9 (two bytes per level)
            LevelRuns runs = new LevelRuns(maxLevel);
            List<Integer> want = new ArrayList<>();
            long[] histogram = new long[maxLevel + 1];
            for (int k = 0; k < 300; k++) {
                int level = r.nextInt(maxLevel + 1), count = r.nextInt(8) == 0 ? 1 + r.nextInt(5000) : 1 + r.nextInt(3);
                runs.add(level, count);
                for (int c = 0; c < count; c++) want.add(level);
                histogram[level] += count;
            }
            byte[] page = new byte[runs.maxBytes() + 3];
            int end = runs.write(page, 3);
            int length = (page[3] & 0xff) | (page[4] & 0xff) << 8 | (page[5] & 0xff) << 16 | (page[6] & 0xff) << 24;
            assertEquals(end - 7, length, "the 4-byte little-endian length prefix, max level " + maxLevel);
            var decoder = new RunLengthBitPackingHybridDecoder(32 - Integer.numberOfLeadingZeros(maxLevel),
                    new ByteArrayInputStream(page, 7, length));
            for (int i = 0; i < want.size(); i++) assertEquals(want.get(i), decoder.readInt(), "max level " + maxLevel + ", level " + i);
            for (int l = 0; l <= maxLevel; l++) assertEquals(histogram[l], runs.histogram().get(l), "histogram of level " + l);
            runs.clear();
            assertEquals(4, runs.write(page, 0), "an empty page: the prefix only");
        }
    }
}
