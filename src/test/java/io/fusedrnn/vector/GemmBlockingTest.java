package io.fusedrnn.vector;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Array;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector GEMM on shapes that reach every one of its paths, whatever the machine's tiles: three K
 * blocks (the last one short), three M blocks (full ones of the widest tile, then a last one that takes an
 * 8-row tile, a 4-row tile and three 1-row strips of 8, 4 and 1 panels), whole panels and a partial last one, with and without
 * accumulating into C and a bias, A row-major and transposed. Checked bitwise against a scalar model of the
 * summation order (per K block, fused multiply-adds in K order from zero, then the bias or zero, then the
 * old C), and against itself: each row computed alone (the strips) equals its row in the blocked product
 * (the tiles), the panels in two calls equal one call, and transposed A equals row-major A. The wide
 * cases' one call reads A from micro-panels with 8-row tiles (AVX-512), their split calls read it in
 * place, and A given transposed is always copied row-major: both are held to its bits.
 * The contract cases no longer reach a second K block (K &le; 1024 there), so this is where it is tested,
 * as are calls wide and tall enough to run their panels in groups ({@link FloatGemm#B_GROUP_BYTES}).
 */
class GemmBlockingTest {
    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (String type : new String[]{"float", "double"}) {
            for (boolean acc : new boolean[]{false, true}) {
                for (boolean bias : new boolean[]{false, true}) {
                    for (int tail : new int[]{3, -3}) s.add(Arguments.of(type, acc, bias, tail, false));
                    s.add(Arguments.of(type, acc, bias, 3, true));
                }
            }
        }
        return s.build();
    }

    /** The tile follows the register file: 8 rows with 512-bit vectors, 6 with -XX:UseAVX=2 (the pom's avx2 run). */
    @Test
    void theTileFollowsTheVectorWidth() {
        String avx = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("UseAVX").getValue();
        System.out.println("UseAVX=" + avx + ", tile " + FloatGemm.describe());
        int bits = FloatGemm.S.vectorBitSize();
        if (Integer.parseInt(avx) <= 2) assertTrue(bits <= 256, "UseAVX=" + avx + " but " + bits + "-bit vectors");
        assertEquals(bits >= 512 ? 8 : 6, FloatGemm.MR, FloatGemm.describe());
        assertEquals(FloatGemm.MR, DoubleGemm.MR, "float and double tiles");
    }

    /**
     * How a block's rows split between the row tiles and the 1-row strips, for every count up to 200: the
     * 6-row tiles leave a multiple of 4 for the 4-row tiles (else the last 4-row tile would reach past the
     * tiled rows), and the strips take at most one row with 6-row tiles (an odd one), three without; M
     * blocks are whole tiles. The bitwise cases above reach only a few counts.
     */
    @Test
    void everyRowCountSplitsIntoWholeTiles() {
        for (int rows = 0; rows <= 200; rows++) {
            int full = FloatGemm.tileRows(rows), six = FloatGemm.sixRows(full), left = rows - full;
            String at = rows + " rows: " + six + " in 6-row tiles, " + (full - six) + " in 4-row tiles, " + left + " in strips";
            assertTrue(six >= 0 && six <= full && full <= rows, at);
            assertEquals(0, six % 6, at);
            assertEquals(0, (full - six) % 4, at);
            if (FloatGemm.MR == 6) {
                assertTrue(left <= (rows < 4 ? 3 : 1), at);
                assertTrue(full - six <= 8, at);
            } else {
                assertEquals(0, six, at);
                assertTrue(left <= 3, at);
            }
            assertEquals(FloatGemm.tileRows(rows), DoubleGemm.tileRows(rows), at);
        }
        for (int k : new int[] {64, 512, 1024, 4096}) {
            int mc = FloatGemm.blockRows(1 << 20, k);
            assertEquals(0, mc % FloatGemm.ROW_QUANTUM, "K " + k);
            if (FloatGemm.MR == 6) assertEquals(mc, FloatGemm.sixRows(FloatGemm.tileRows(mc)), "K " + k + ": a whole block in 6-row tiles");
        }
    }

    /**
     * @param tail columns of the last, partial panel: 3, or (negative) one vector and 3 more
     * @param wide a call wide enough for A in micro-panels (with 8-row tiles): one M block and the short
     *             one, and {@link FloatGemm#PACK_FROM_PANELS} + 1 panels; the call of all but the first two
     *             panels below then reads A in place, one panel short of them
     */
    @ParameterizedTest(name = "{0} accumulate={1} bias={2} tail={3} wide={4}")
    @MethodSource("cases")
    void everyPathAgreesWithTheSumAndWithItself(String type, boolean acc, boolean bias, int tail, boolean wide) {
        if (type.equals("float")) check(new FloatMath(), Float.BYTES, FloatGemm.L, acc, bias, tail, wide);
        else check(new DoubleMath(), Double.BYTES, DoubleGemm.L, acc, bias, tail, wide);
    }

    private static <A> void check(VecMath<A> math, int bytes, int lanes, boolean acc, boolean withBias, int tail, boolean wide) {
        int nr = math.panelWidth();
        int k = 2 * FloatGemm.KC + 37;
        // rows per M block, as gemm sizes them for a tall call (a multiple of Gemm.ROW_QUANTUM)
        int mc = bytes == Float.BYTES ? FloatGemm.blockRows(1 << 20, k) : DoubleGemm.blockRows(1 << 20, k);
        // after the whole blocks 29 rows: 24 for the main tile (three 8-row tiles, or four 6-row ones with
        // AVX2), one 4-row tile, one 1-row strip
        int m = (wide ? 1 : 2) * mc + 24 + 4 + 1;
        assertEquals(FloatGemm.PACK_FROM_PANELS, DoubleGemm.PACK_FROM_PANELS, "float and double micro-panels");
        // wide: PACK_FROM_PANELS + 1 panels (9: the rows after the tiles take an 8-panel strip and a single
        // panel); narrow: 2 fewer (a 4-panel strip and three single panels), below the bar, A read in place
        int n = (wide ? FloatGemm.PACK_FROM_PANELS : FloatGemm.PACK_FROM_PANELS - 2) * nr + (tail > 0 ? tail : lanes - tail);
        Random rnd = new Random(11 + bytes + (acc ? 2 : 0) + (withBias ? 4 : 0) + tail);
        double[] a = gaussian(rnd, m * k), b = gaussian(rnd, k * n), c0 = gaussian(rnd, m * n);
        double[] bias = withBias ? gaussian(rnd, n) : null;
        double[] aT = new double[m * k];
        for (int i = 0; i < m; i++) for (int kk = 0; kk < k; kk++) aT[kk * m + i] = a[i * k + kk];
        // the test's values, rounded to the type once
        A av = math.fromDoubles(a, 0, a.length), aTv = math.fromDoubles(aT, 0, aT.length), bv = math.fromDoubles(b, 0, b.length);
        A biasV = withBias ? math.fromDoubles(bias, 0, n) : null;
        A bp = math.alloc(math.packedSize(k, n));
        int panels = math.panels(n);
        math.pack(bv, 0, n, 1, k, n, bp, 0, panels);

        double[] ar = values(av), br = values(bv), c0r = values(math.fromDoubles(c0, 0, c0.length));
        double[] biasR = withBias ? values(biasV) : new double[n];
        A whole = math.fromDoubles(c0, 0, c0.length);
        math.gemm(av, 0, k, 1, m, k, bp, 0, n, 0, panels, whole, 0, n, acc, biasV);

        assertMatchesTheModel(bytes, ar, br, biasR, c0r, m, k, n, acc, whole);

        // each row alone (1-row strips) equals its row of the blocked product (tiles), bit for bit
        for (int i = 0; i < m; i++) {
            A row = math.fromDoubles(c0, i * n, n);
            math.gemm(av, i * k, k, 1, 1, k, bp, 0, n, 0, panels, row, 0, n, acc, biasV);
            for (int j = 0; j < n; j++) {
                assertEquals(bits(get(whole, i * n + j)), bits(get(row, j)), "row " + i + " alone, column " + j);
            }
        }

        // the panels in two calls, and A given transposed, equal the one call bit for bit
        A split = math.fromDoubles(c0, 0, c0.length), transposed = math.fromDoubles(c0, 0, c0.length);
        math.gemm(av, 0, k, 1, m, k, bp, 0, n, 0, 2, split, 0, n, acc, biasV);
        math.gemm(av, 0, k, 1, m, k, bp, 0, n, 2, panels, split, 0, n, acc, biasV);
        math.gemm(aTv, 0, 1, m, m, k, bp, 0, n, 0, panels, transposed, 0, n, acc, biasV);
        for (int i = 0; i < m * n; i++) {
            assertEquals(bits(get(whole, i)), bits(get(split, i)), "panels in two calls, element " + i);
            assertEquals(bits(get(whole, i)), bits(get(transposed, i)), "A transposed, element " + i);
        }
    }

    /**
     * A call over more panels than one group ({@link FloatGemm#B_GROUP_BYTES}) and more rows than two M
     * blocks runs its panels group by group, each through all of its M blocks: every element as the
     * scalar model says (K in two blocks, a bias, a partial last panel), and the same bits as one call per
     * group. Without grouping the call would run one pass; the shape is checked to reach the grouping.
     */
    @ParameterizedTest(name = "{0} accumulate={1}")
    @CsvSource({"float, false", "float, true", "double, false", "double, true"})
    void widePanelGroupsAgreeWithTheSum(String type, boolean acc) {
        // K in two blocks, the second of 5
        if (type.equals("float")) {
            int k = FloatGemm.KC + 5;
            checkGroups(new FloatMath(), Float.BYTES, k, FloatGemm.panelGroup(k), FloatGemm.blockRows(1 << 20, k), acc);
        } else {
            int k = DoubleGemm.KC + 5;
            checkGroups(new DoubleMath(), Double.BYTES, k, DoubleGemm.panelGroup(k), DoubleGemm.blockRows(1 << 20, k), acc);
        }
    }

    private static <A> void checkGroups(VecMath<A> math, int bytes, int k, int group, int mc, boolean acc) {
        int nr = math.panelWidth(), m = 2 * mc + 15, n = (group + 3) * nr + 3, panels = math.panels(n);
        assertTrue(panels > group && m > 2 * mc, panels + " panels in groups of " + group + ", " + m + " rows in blocks of " + mc);
        Random rnd = new Random(5 + bytes + (acc ? 1 : 0));
        double[] a = gaussian(rnd, m * k), b = gaussian(rnd, k * n), c0 = gaussian(rnd, m * n), bias = gaussian(rnd, n);
        A av = math.fromDoubles(a, 0, a.length), bv = math.fromDoubles(b, 0, b.length), biasV = math.fromDoubles(bias, 0, n);
        A bp = math.alloc(math.packedSize(k, n));
        math.pack(bv, 0, n, 1, k, n, bp, 0, panels);
        A whole = math.fromDoubles(c0, 0, c0.length), byGroup = math.fromDoubles(c0, 0, c0.length);
        math.gemm(av, 0, k, 1, m, k, bp, 0, n, 0, panels, whole, 0, n, acc, biasV);
        for (int p = 0; p < panels; p += group) math.gemm(av, 0, k, 1, m, k, bp, 0, n, p, Math.min(panels, p + group), byGroup, 0, n, acc, biasV);
        // the same call with A's 8-row tiles copied once by the caller (a step's rows): each group reads them
        A tiles = math.rowTiles(0, av, 0, k, m, k), withTiles = math.fromDoubles(c0, 0, c0.length);
        assertEquals(math.tilesPay(panels), tiles != null, "A's tiles copied where the GEMM has 8-row tiles");
        math.gemm(tiles, av, 0, k, m, k, bp, 0, n, 0, panels, withTiles, 0, n, acc, biasV);
        double[] ar = values(av), br = values(bv), c0r = values(math.fromDoubles(c0, 0, c0.length)), biasR = values(biasV);
        assertMatchesTheModel(bytes, ar, br, biasR, c0r, m, k, n, acc, whole);
        for (int i = 0; i < m * n; i++) {
            assertEquals(bits(get(whole, i)), bits(get(byGroup, i)), "element " + i + " by groups");
            assertEquals(bits(get(whole, i)), bits(get(withTiles, i)), "element " + i + " with the caller's tiles");
        }
    }

    /**
     * C [m, n] against the documented order, in scalar code: per K block of KC, one fused multiply-add per
     * k from zero, plus the bias (first block) or zero, plus what C held before (later blocks, or accumulate).
     */
    private static void assertMatchesTheModel(int bytes, double[] a, double[] b, double[] bias, double[] c0, int m, int k, int n,
                                              boolean acc, Object c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double want = bytes == Float.BYTES ? floatModel(a, b, i, j, k, n, bias[j], c0[i * n + j], acc)
                        : doubleModel(a, b, i, j, k, n, bias[j], c0[i * n + j], acc);
                assertEquals(bits(want), bits(get(c, i * n + j)), "C[" + i + ", " + j + "]: " + get(c, i * n + j)
                        + " against the scalar model's " + want);
            }
        }
    }

    private static float floatModel(double[] a, double[] b, int i, int j, int k, int n, double bias, double old, boolean acc) {
        float c = (float) old;
        for (int k0 = 0; k0 < k; k0 += FloatGemm.KC) {
            float s = 0;
            for (int kk = k0; kk < Math.min(k, k0 + FloatGemm.KC); kk++) s = Math.fma((float) a[i * k + kk], (float) b[kk * n + j], s);
            s += k0 == 0 ? (float) bias : 0f;
            c = k0 > 0 || acc ? s + c : s;
        }
        return c;
    }

    private static double doubleModel(double[] a, double[] b, int i, int j, int k, int n, double bias, double old, boolean acc) {
        double c = old;
        for (int k0 = 0; k0 < k; k0 += DoubleGemm.KC) {
            double s = 0;
            for (int kk = k0; kk < Math.min(k, k0 + DoubleGemm.KC); kk++) s = Math.fma(a[i * k + kk], b[kk * n + j], s);
            s += k0 == 0 ? bias : 0d;
            c = k0 > 0 || acc ? s + c : s;
        }
        return c;
    }

    private static double[] values(Object array) {
        double[] v = new double[Array.getLength(array)];
        for (int i = 0; i < v.length; i++) v[i] = Array.getDouble(array, i);
        return v;
    }

    private static double get(Object array, int i) {
        return Array.getDouble(array, i);
    }

    private static long bits(double v) {
        return Double.doubleToRawLongBits(v);
    }

    private static double[] gaussian(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextGaussian();
        return v;
    }
}
