package io.fusedrnn.benchmarks.ort;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class ProtoWriterTest {

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    @Test
    void varintsUseSevenBitGroupsLowFirst() {
        // field 1, wire type 0, value 300 = 0b10_0101100 -> AC 02 (the protobuf documentation's example)
        assertArrayEquals(bytes(0x08, 0xAC, 0x02), new ProtoWriter().varint(1, 300).toByteArray());
        // a negative int64 takes ten bytes
        assertArrayEquals(bytes(0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
                new ProtoWriter().varint(1, -1).toByteArray());
    }

    @Test
    void stringsAndMessagesAreLengthDelimited() {
        assertArrayEquals(bytes(0x12, 0x03, 'a', 'b', 'c'), new ProtoWriter().string(2, "abc").toByteArray());
        // field 20 needs a two-byte tag: (20 << 3) | 0 = 160 -> A0 01
        assertArrayEquals(bytes(0x2A, 0x03, 0xA0, 0x01, 0x02), new ProtoWriter().message(5, new ProtoWriter().varint(20, 2)).toByteArray());
        assertArrayEquals(bytes(0x0A, 0x03, 0x01, 0x96, 0x01), new ProtoWriter().packedVarints(1, 1, 150).toByteArray());
    }
}
