package io.fusedrnn.formats.torch;

import io.fusedrnn.FusedRnnException;
import io.fusedrnn.formats.FormatRunAccess;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The restricted unpickler on hand-written pickles: allow-listed values build, everything else is refused by name, bounds hold. */
class RestrictedUnpicklerTest {

    private static Object load(byte[] p) {
        return RestrictedUnpickler.load("t.pkl", p, id -> {
            throw new FusedRnnException("t.pkl: no persistent ids here");
        });
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o : parts) {
            if (o instanceof String s) out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            else if (o instanceof Integer i) out.write(i);
            else out.writeBytes((byte[]) o);
        }
        return out.toByteArray();
    }

    private static String refused(byte[] p) {
        return assertThrows(FusedRnnException.class, () -> load(p)).getMessage();
    }

    @Test
    void plainValuesAndOrderedDictBuild() {
        // {'a': [1, 2.5, 'x'], 'b': OrderedDict()} with protocol 2 opcodes
        byte[] p = bytes(0x80, 2, "}q\u0000(X\u0001\u0000\u0000\u0000a]q\u0001(K\u0001G", new byte[] {0x40, 0x04, 0, 0, 0, 0, 0, 0},
                "X\u0001\u0000\u0000\u0000xeX\u0001\u0000\u0000\u0000bccollections\nOrderedDict\n)Rq\u0002u.");
        Object o = load(p);
        assertTrue(o instanceof Map<?, ?>);
        Map<?, ?> m = (Map<?, ?>) o;
        assertEquals(List.of(1L, 2.5, "x"), m.get("a"));
        assertTrue(m.get("b") instanceof Map<?, ?>);
    }

    @Test
    void dangerousGlobalsAreRefusedByNameBeforeAnythingElse() {
        for (String g : List.of("os\nsystem\n", "posix\nsystem\n", "builtins\neval\n", "subprocess\nPopen\n", "builtins\ngetattr\n")) {
            String msg = refused(bytes(0x80, 2, "c" + g, "X\u0002\u0000\u0000\u0000lsq\u0000\u0085R."));
            assertTrue(msg.startsWith("t.pkl: refused global") && msg.contains(g.replace('\n', '.').substring(0, g.length() - 1)), msg);
        }
        // the same through STACK_GLOBAL (protocol 4)
        String msg = refused(bytes(0x80, 4, 0x8c, 2, "os", 0x8c, 6, "system", 0x93, "."));
        assertTrue(msg.contains("refused global os.system"), msg);
        String module = refused(bytes(0x80, 2, "ctorch.nn.modules.rnn\nLSTM\n)\u0081."));
        assertTrue(module.contains("model.state_dict()"), module);
    }

    @Test
    void boundsHold() {
        byte[] marks = new byte[RestrictedUnpickler.MAX_STACK + 10];
        java.util.Arrays.fill(marks, (byte) '(');
        assertTrue(refused(bytes(0x80, 2, marks)).contains("stack deeper than"));
        assertTrue(refused(bytes(0x80, 2, "h\u0007.")).contains("memo index 7 was never stored"));
        assertTrue(refused(bytes(0x80, 2, "X\u00ff\u00ff\u00ff\u007fab.")).contains("runs past the end"));
        assertTrue(refused(bytes(0x80, 2, "N")).contains("no STOP"));
        assertTrue(refused(bytes(0x80, 2, "NN.")).contains("STOP with 2 values"));
        assertTrue(refused(bytes(0x80, 2, "a.")).contains("stack underflow"));
        assertTrue(refused(bytes(0x80, 9, "N.")).contains("pickle protocol 9"));
        assertTrue(refused(bytes(0x80, 2, "\u00ff")).contains("unsupported pickle opcode 0xff"));
    }

    @Test
    void aDictThatHoldsItselfIsRefusedWhenFlattened(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // d = {}; d['a'] = d  (memo 0 is the dict itself)
        byte[] p = bytes(0x80, 2, "}q\u0000X\u0001\u0000\u0000\u0000ah\u0000s.");
        Map<?, ?> d = (Map<?, ?>) load(p);
        assertTrue(d.get("a") == d);
        java.nio.file.Path pt = dir.resolve("loop.pt");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(java.nio.file.Files.newOutputStream(pt))) {
            z.putNextEntry(new java.util.zip.ZipEntry("loop/data.pkl"));
            z.write(p);
        }
        String msg = assertThrows(FusedRnnException.class, () -> TorchArchive.open(pt)).getMessage();
        assertTrue(msg.contains("nested deeper than 64"), msg);
    }

    @Test
    void protocolFourFromTorchLoads() {
        assertEquals(2 * 2 * 4, FormatRunAccess.tensorCount("torch/lstm_l2_bi_p4.pt"));
    }
}
