package io.fusedrnn;

import java.util.Locale;

/** The scalar type a tensor is stored and computed in. */
public enum Precision {
    /** 32-bit IEEE floats (Java {@code float}). */
    FP32,
    /** 64-bit IEEE floats (Java {@code double}). */
    FP64;

    /** {@return bytes per element: 4 or 8} */
    public int bytes() {
        return this == FP32 ? Float.BYTES : Double.BYTES;
    }

    /**
     * Parses {@code fp32} or {@code fp64} (case-insensitive); anything else is a {@link FusedRnnException}.
     *
     * @param text the name as typed
     * @return the precision it names
     */
    public static Precision parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32", "float" -> FP32;
            case "fp64", "float64", "double" -> FP64;
            default -> throw new FusedRnnException("precision: expected fp32 or fp64, found '" + text + "'");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
