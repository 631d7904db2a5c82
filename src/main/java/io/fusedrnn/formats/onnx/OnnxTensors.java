package io.fusedrnn.formats.onnx;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.formats.onnx.proto.OnnxProto.StringStringEntryProto;
import io.fusedrnn.formats.onnx.proto.OnnxProto.TensorProto;
import io.fusedrnn.io.NdArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.IntToDoubleFunction;

/**
 * Decodes ONNX {@code TensorProto}s (float, double, float16, bfloat16 and integer types; raw_data,
 * typed fields or external data files) into {@link NdArray}s. Sizes are checked against the bytes
 * present before any array is allocated; an external file must lie inside the model's folder.
 */
final class OnnxTensors {
    private final String file;
    private final Path folder;

    /** Decodes tensors of the model {@code model} (its folder anchors external data). */
    OnnxTensors(Path model) {
        this.file = model.toString();
        Path parent = model.toAbsolutePath().getParent();
        this.folder = parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    /** The shape of {@code t}, checked. */
    int[] shape(TensorProto t, String what) {
        if (t.getDimsCount() > 16) throw new FusedRnnException(file + ": " + what + ": " + t.getDimsCount() + " dimensions, more than 16");
        int[] s = new int[t.getDimsCount()];
        long n = 1;
        for (int i = 0; i < s.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) throw new FusedRnnException(file + ": " + what + ": dimension " + d + " out of range");
            s[i] = (int) d;
            n = Math.multiplyExact(n, Math.max(d, 1));
        }
        if (n > Integer.MAX_VALUE - 8) throw new FusedRnnException(file + ": " + what + ": " + n + " elements, more than a Java array holds");
        return s;
    }

    /** The values of {@code t}, widened to double. */
    NdArray read(TensorProto t, String what) {
        int[] shape = shape(t, what);
        int n = (int) NdArray.elementCount(shape);
        int type = t.getDataType();
        int size = switch (type) {
            case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.INT32_VALUE, TensorProto.DataType.UINT32_VALUE -> 4;
            case TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.INT64_VALUE, TensorProto.DataType.UINT64_VALUE -> 8;
            case TensorProto.DataType.FLOAT16_VALUE, TensorProto.DataType.BFLOAT16_VALUE, TensorProto.DataType.INT16_VALUE,
                 TensorProto.DataType.UINT16_VALUE -> 2;
            case TensorProto.DataType.INT8_VALUE, TensorProto.DataType.UINT8_VALUE, TensorProto.DataType.BOOL_VALUE -> 1;
            default -> throw new FusedRnnException(file + ": " + what + ": data type " + typeName(type)
                    + " is not supported (expected float, double, float16, bfloat16 or an integer type)");
        };
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) return new NdArray(shape, decode(external(t, what, (long) n * size), type, n));
        if (t.hasRawData()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer();
            if (raw.remaining() != (long) n * size) {
                throw new FusedRnnException(file + ": " + what + ": raw_data holds " + raw.remaining() + " bytes, expected " + (long) n * size
                        + " for " + Arrays.toString(shape) + " " + typeName(type));
            }
            return new NdArray(shape, decode(raw, type, n));
        }
        int found = switch (type) {
            case TensorProto.DataType.FLOAT_VALUE -> t.getFloatDataCount();
            case TensorProto.DataType.DOUBLE_VALUE -> t.getDoubleDataCount();
            case TensorProto.DataType.INT64_VALUE -> t.getInt64DataCount();
            case TensorProto.DataType.UINT64_VALUE -> t.getUint64DataCount();
            default -> t.getInt32DataCount(); // int32_data carries int32 and every narrower type, float16/bfloat16 as their bits
        };
        if (found != n) {
            throw new FusedRnnException(file + ": " + what + ": expected " + n + " values for " + Arrays.toString(shape) + " " + typeName(type)
                    + ", found " + found + " (no raw_data)");
        }
        IntToDoubleFunction value = switch (type) {
            case TensorProto.DataType.FLOAT_VALUE -> t::getFloatData;
            case TensorProto.DataType.DOUBLE_VALUE -> t::getDoubleData;
            case TensorProto.DataType.INT64_VALUE -> t::getInt64Data;
            case TensorProto.DataType.UINT64_VALUE -> t::getUint64Data;
            default -> i -> {
                int v = t.getInt32Data(i);
                return switch (type) {
                    case TensorProto.DataType.FLOAT16_VALUE -> Float.float16ToFloat((short) v);
                    case TensorProto.DataType.BFLOAT16_VALUE -> Float.intBitsToFloat((v & 0xffff) << 16);
                    case TensorProto.DataType.UINT32_VALUE -> v & 0xffffffffL;
                    default -> v;
                };
            };
        };
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = value.applyAsDouble(i);
        return new NdArray(shape, out);
    }

    private static double[] decode(ByteBuffer raw, int type, int n) {
        ByteBuffer b = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (type) {
                case TensorProto.DataType.FLOAT_VALUE -> b.getFloat(4 * i);
                case TensorProto.DataType.DOUBLE_VALUE -> b.getDouble(8 * i);
                case TensorProto.DataType.FLOAT16_VALUE -> Float.float16ToFloat(b.getShort(2 * i));
                case TensorProto.DataType.BFLOAT16_VALUE -> Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                case TensorProto.DataType.INT32_VALUE -> b.getInt(4 * i);
                case TensorProto.DataType.UINT32_VALUE -> b.getInt(4 * i) & 0xffffffffL;
                case TensorProto.DataType.INT64_VALUE, TensorProto.DataType.UINT64_VALUE -> b.getLong(8 * i);
                case TensorProto.DataType.INT16_VALUE -> b.getShort(2 * i);
                case TensorProto.DataType.UINT16_VALUE -> b.getShort(2 * i) & 0xffff;
                case TensorProto.DataType.INT8_VALUE -> b.get(i);
                default -> b.get(i) & 0xff;
            };
        }
        return out;
    }

    /** The bytes of an external tensor: {@code location} (inside the model's folder), {@code offset}, {@code length}. */
    private ByteBuffer external(TensorProto t, String what, long expected) {
        String location = null;
        long offset = 0, length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = number(e.getValue(), what, "offset");
                case "length" -> length = number(e.getValue(), what, "length");
                default -> { // checksum and others: not needed to read
                }
            }
        }
        if (expected > Integer.MAX_VALUE - 8) throw new FusedRnnException(file + ": " + what + ": " + expected + " bytes, more than a Java array holds");
        if (location == null || location.isEmpty()) throw new FusedRnnException(file + ": " + what + ": external data without a location");
        Path p;
        try {
            p = folder.resolve(location).normalize();
        } catch (RuntimeException e) {
            throw new FusedRnnException(file + ": " + what + ": external data location '" + location + "' is not a valid path");
        }
        if (Path.of(location).isAbsolute() || !p.startsWith(folder.normalize())) {
            throw new FusedRnnException(file + ": " + what + ": external data location '" + location
                    + "' leaves the model's folder " + folder + " (refused)");
        }
        try {
            Path real = p.toRealPath();
            if (!real.startsWith(folder.toRealPath()) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                throw new FusedRnnException(file + ": " + what + ": external data location '" + location + "' resolves to " + real
                        + ", outside the model's folder or not a regular file (refused)");
            }
            try (FileChannel ch = FileChannel.open(real, StandardOpenOption.READ)) {
                long size = ch.size();
                if (length < 0) length = size - offset;
                if (length != expected) {
                    throw new FusedRnnException(file + ": " + what + ": external data " + location + ": length " + length + ", expected " + expected + " bytes");
                }
                if (offset < 0 || offset > size || length > size - offset) {
                    throw new FusedRnnException(file + ": " + what + ": external data " + location + ": bytes " + offset + "+" + length
                            + " run past its end (" + size + " bytes)");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) length);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, offset + buf.position()) < 0) throw new FusedRnnException(file + ": " + what + ": external data " + location + " ended early");
                }
                return buf.flip();
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new FusedRnnException(file + ": " + what + ": external data file '" + location + "' not found next to the model");
        } catch (IOException e) {
            throw new FusedRnnException(file + ": " + what + ": external data file '" + location + "' cannot be read (" + e.getMessage() + ")");
        }
    }

    private long number(String v, String what, String key) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new FusedRnnException(file + ": " + what + ": external data " + key + " '" + v + "' is not a number");
        }
    }

    static String typeName(int type) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(type);
        return t == null ? "#" + type : t.name().toLowerCase(java.util.Locale.ROOT);
    }
}
