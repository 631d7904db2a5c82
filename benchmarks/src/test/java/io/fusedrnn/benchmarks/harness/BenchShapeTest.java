package io.fusedrnn.benchmarks.harness;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchShapeTest {

    @Test
    void standardNamesAreTheShapesOfTheDesign() {
        List<BenchShape> s = BenchShape.parseList("latency,batch,large");
        assertEquals(List.of(new BenchShape("latency", 1, 100, 256, 256), new BenchShape("batch", 64, 50, 512, 512),
                new BenchShape("large", 256, 25, 1024, 1024)), s);
    }

    @Test
    void customShapesMixWithStandardOnesInAnyKeyOrder() {
        List<BenchShape> s = BenchShape.parseList("Latency, b=2,T=5,H=16,I=8 ,B=1,T=1,I=1,H=1");
        assertEquals(3, s.size());
        assertEquals(BenchShape.LATENCY, s.get(0));
        assertEquals(new BenchShape("B=2,T=5,I=8,H=16", 2, 5, 8, 16), s.get(1));
        assertEquals(1, s.get(2).hiddenSize());
    }

    @Test
    void theRaggedShapeHasFixedLengthsInItsRangeAndCountsOnlyItsRealSteps() {
        BenchShape r = BenchShape.parseList("ragged").get(0);
        assertEquals(BenchShape.RAGGED, r);
        assertTrue(r.ragged() && !BenchShape.BATCH.ragged());
        int[] len = r.lengths();
        assertArrayEquals(len, r.lengths(), "the same lengths on every call");
        assertEquals(r.steps(), len[0], "row 0 runs all T");
        long sum = 0;
        for (int l : len) {
            assertTrue(l >= 20 && l <= 80, "length " + l);
            sum += l;
        }
        assertEquals(sum, r.realSteps());
        assertEquals("B64 T20..80 I64 H256", r.dims());
        assertEquals(null, BenchShape.BATCH.lengths());
        BenchCase c = new BenchCase(BenchCell.LSTM, r, io.fusedrnn.Precision.FP32, Mode.INFER);
        assertEquals(c.spec().forwardFlops(80, 64) * sum / (80.0 * 64), c.flops(), 1e-6 * c.flops());
    }

    @Test
    void malformedShapesNameTheItem() {
        for (String bad : new String[] {"huge", "B=2,T=5,I=8", "B=2,T=5,I=8,X=3", "B=0,T=1,I=1,H=1", "B=2,B=3,T=1,I=1,H=1",
                "latency,,batch", "B=2,T=5,latency,I=1,H=1", "B=two,T=1,I=1,H=1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchShape.parseList(bad), bad);
            assertTrue(!e.getMessage().isBlank(), bad);
        }
    }
}
