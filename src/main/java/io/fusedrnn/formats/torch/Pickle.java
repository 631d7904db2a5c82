package io.fusedrnn.formats.torch;

import java.util.List;

/** The values {@link RestrictedUnpickler} builds besides plain Java ones (Long, Double, String, Boolean, null, byte[], List, Map). */
final class Pickle {
    private Pickle() {
    }

    /** A Python tuple. */
    record Tuple(List<Object> items) {
    }

    /** An allow-listed global, kept as a name: it is never called, only recognised. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** The MARK opcode's place on the stack. */
    enum Mark { MARK }
}
