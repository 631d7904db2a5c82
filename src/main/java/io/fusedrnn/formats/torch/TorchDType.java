package io.fusedrnn.formats.torch;

import java.nio.ByteBuffer;

/** Element types of torch storages: their size and how one element widens to double. */
enum TorchDType {
    FLOAT32(4, "float32"), FLOAT64(8, "float64"), FLOAT16(2, "float16"), BFLOAT16(2, "bfloat16"),
    INT64(8, "int64"), INT32(4, "int32"), INT16(2, "int16"), INT8(1, "int8"), UINT8(1, "uint8"), BOOL(1, "bool");

    final int size;
    final String torchName;

    TorchDType(int size, String torchName) {
        this.size = size;
        this.torchName = torchName;
    }

    /** The dtype named {@code torch.<name>} (e.g. float32, half), or null. */
    static TorchDType byTorchName(String name) {
        return switch (name) {
            case "float32", "float" -> FLOAT32;
            case "float64", "double" -> FLOAT64;
            case "float16", "half" -> FLOAT16;
            case "bfloat16" -> BFLOAT16;
            case "int64", "long" -> INT64;
            case "int32", "int" -> INT32;
            case "int16", "short" -> INT16;
            case "int8" -> INT8;
            case "uint8" -> UINT8;
            case "bool" -> BOOL;
            default -> null;
        };
    }

    /** Element {@code index} of a buffer in its byte order, widened. */
    double get(ByteBuffer b, long index) {
        int at = Math.toIntExact(index * size);
        return switch (this) {
            case FLOAT32 -> b.getFloat(at);
            case FLOAT64 -> b.getDouble(at);
            case FLOAT16 -> Float.float16ToFloat(b.getShort(at));
            case BFLOAT16 -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
            case INT64 -> b.getLong(at);
            case INT32 -> b.getInt(at);
            case INT16 -> b.getShort(at);
            case INT8 -> b.get(at);
            case UINT8, BOOL -> b.get(at) & 0xff;
        };
    }
}
