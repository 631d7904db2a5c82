package io.fusedrnn.io;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusedrnn.FusedRnnException;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes tensors to a safetensors file in one element type, in the map's order, header padded to 8 bytes. */
public final class SafetensorsWriter {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SafetensorsWriter() {
    }

    /**
     * Writes {@code tensors} as {@code dtype} (rounded to nearest for the narrow types).
     *
     * @param path the file to create or replace
     * @param tensors tensors by name, written in this map's order
     * @param dtype element type to store
     */
    public static void write(Path path, Map<String, NdArray> tensors, SafetensorsDType dtype) {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, NdArray> t : tensors.entrySet()) {
            ObjectNode e = header.putObject(t.getKey());
            e.put("dtype", dtype.name());
            ArrayNode shape = e.putArray("shape");
            for (int d : t.getValue().shape()) shape.add(d);
            long end = offset + (long) t.getValue().data().length * dtype.bytes();
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new FusedRnnException(path + ": cannot encode header (" + e.getMessage() + ")", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[padded];
        System.arraycopy(json, 0, head, 0, json.length);
        for (int i = json.length; i < padded; i++) head[i] = ' ';
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(head);
            for (NdArray a : tensors.values()) {
                MemorySegment seg = MemorySegment.ofArray(new byte[a.data().length * dtype.bytes()]);
                for (int i = 0; i < a.data().length; i++) dtype.put(seg, i, a.data()[i]);
                out.write(seg.toArray(ValueLayout.JAVA_BYTE));
            }
        } catch (IOException e) {
            throw new FusedRnnException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
