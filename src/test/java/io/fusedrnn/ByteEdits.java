package io.fusedrnn;

/** The byte-array edits the fuzz tests share: one byte inserted or deleted at a position. */
public final class ByteEdits {
    private ByteEdits() {
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
