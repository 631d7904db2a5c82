package io.fusedrnn.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The safetensors element types fusedrnn reads (F16, BF16, F32, F64, all little-endian), with
 * their widening to double and rounding from double.
 */
public enum SafetensorsDType {
    /** IEEE half precision. */
    F16(2),
    /** bfloat16: float32's exponent with 8 bits of mantissa. */
    BF16(2),
    /** IEEE single precision. */
    F32(4),
    /** IEEE double precision. */
    F64(8);

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int bytes;

    SafetensorsDType(int bytes) {
        this.bytes = bytes;
    }

    /** {@return bytes per element} */
    public int bytes() {
        return bytes;
    }

    /**
     * {@return the dtype a header names, or null for one that is not read (its tensors are kept and
     * refused when read: {@link SafetensorsFile#read})}
     *
     * @param name the dtype string, e.g. {@code F32}
     */
    public static SafetensorsDType find(String name) {
        for (SafetensorsDType d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }

    /**
     * {@return bytes per element of the safetensors dtypes that are in a file but not read (integers,
     * booleans, 8-bit floats), so their entries are checked like the others; 0 for a name not known}
     *
     * @param name the dtype string, e.g. {@code I64}
     */
    static int otherBytes(String name) {
        return switch (name) {
            case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3" -> 1;
            case "I16", "U16" -> 2;
            case "I32", "U32" -> 4;
            case "I64", "U64" -> 8;
            default -> 0;
        };
    }

    /** Element {@code i} of a tensor starting at byte {@code base}, widened to double. */
    double get(MemorySegment seg, long base, long i) {
        long at = base + i * bytes;
        return switch (this) {
            case F16 -> Float.float16ToFloat(seg.get(SHORT, at));
            case BF16 -> Float.intBitsToFloat((seg.get(SHORT, at) & 0xffff) << 16);
            case F32 -> seg.get(FLOAT, at);
            case F64 -> seg.get(DOUBLE, at);
        };
    }

    /** Stores v at element {@code i}, rounded to nearest (ties to even) for the narrow types. */
    void put(MemorySegment seg, long i, double v) {
        long at = i * bytes;
        switch (this) {
            case F16 -> seg.set(SHORT, at, Float.floatToFloat16((float) v));
            case BF16 -> seg.set(SHORT, at, toBfloat16((float) v));
            case F32 -> seg.set(FLOAT, at, (float) v);
            case F64 -> seg.set(DOUBLE, at, v);
        }
    }

    private static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
