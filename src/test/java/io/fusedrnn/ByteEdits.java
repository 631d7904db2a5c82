package io.fusedrnn;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** The byte-array mutations the fuzz tests share: seeded random edits drawn from a list each test chooses. */
public final class ByteEdits {
    private ByteEdits() {
    }

    /** One edit of {@code b} at index {@code at} (0 ≤ at < b.length), drawing what else it needs from {@code rnd}. */
    @FunctionalInterface
    public interface Edit {
        /** {@return the edited array: {@code b} itself, changed in place, or a new one} */
        byte[] apply(byte[] b, int at, Random rnd);
    }

    /** Draws the value of one byte. */
    @FunctionalInterface
    public interface Value {
        /** {@return the next byte} */
        byte next(Random rnd);
    }

    /** Any of the 256 byte values. */
    public static final Value ANY = rnd -> (byte) rnd.nextInt(256);
    /** Flips one bit. */
    public static final Edit FLIP = (b, at, rnd) -> {
        b[at] ^= (byte) (1 << rnd.nextInt(8));
        return b;
    };
    /** Cuts the array to a random length, from empty to whole. */
    public static final Edit TRUNCATE = (b, at, rnd) -> Arrays.copyOf(b, rnd.nextInt(b.length + 1));
    /** Deletes the byte. */
    public static final Edit DELETE = (b, at, rnd) -> delete(b, at);

    /** {@return an edit that overwrites the byte with one drawn from {@code v}} */
    public static Edit overwrite(Value v) {
        return (b, at, rnd) -> {
            b[at] = v.next(rnd);
            return b;
        };
    }

    /** {@return an edit that inserts a byte drawn from {@code v} before the byte} */
    public static Edit insert(Value v) {
        return (b, at, rnd) -> insert(b, at, v.next(rnd));
    }

    /**
     * One to four edits of a copy of {@code seed}, each at a random index, each drawn from {@code edits}
     * (fewer when the array becomes empty).
     *
     * @return the mutant; {@code seed} is not changed
     */
    public static byte[] mutate(byte[] seed, Random rnd, List<Edit> edits) {
        byte[] b = seed.clone();
        int n = 1 + rnd.nextInt(4);
        for (int e = 0; e < n && b.length > 0; e++) {
            int at = rnd.nextInt(b.length);
            b = edits.get(rnd.nextInt(edits.size())).apply(b, at, rnd);
        }
        return b;
    }

    /** A copy of {@code b} with {@code value} inserted before index {@code at} (0 ≤ at ≤ b.length). */
    public static byte[] insert(byte[] b, int at, byte value) {
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, at);
        out[at] = value;
        System.arraycopy(b, at, out, at + 1, b.length - at);
        return out;
    }

    /** A copy of {@code b} without the byte at index {@code at} (0 ≤ at < b.length). */
    public static byte[] delete(byte[] b, int at) {
        byte[] out = new byte[b.length - 1];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + 1, out, at, b.length - at - 1);
        return out;
    }
}
