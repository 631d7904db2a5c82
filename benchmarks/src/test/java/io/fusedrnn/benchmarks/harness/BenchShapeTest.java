package io.fusedrnn.benchmarks.harness;

import org.junit.jupiter.api.Test;

import java.util.List;

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
    void malformedShapesNameTheItem() {
        for (String bad : new String[] {"huge", "B=2,T=5,I=8", "B=2,T=5,I=8,X=3", "B=0,T=1,I=1,H=1", "B=2,B=3,T=1,I=1,H=1",
                "latency,,batch", "B=2,T=5,latency,I=1,H=1", "B=two,T=1,I=1,H=1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchShape.parseList(bad), bad);
            assertTrue(!e.getMessage().isBlank(), bad);
        }
    }
}
