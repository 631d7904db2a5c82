package io.fusedrnn;

import java.util.Locale;

/**
 * The recurrent cell. Gate blocks are stacked in PyTorch's order: LSTM i, f, g, o; GRU r, z, n
 * (docs/DESIGN.md, Semantics). Every backend and importer refers here instead of restating the order.
 */
public enum Cell {
    /** Long short-term memory, gate blocks i, f, g, o. */
    LSTM(4),
    /** Gated recurrent unit, gate blocks r, z, n. */
    GRU(3);

    /** LSTM gate block indices. */
    public static final int I = 0, F = 1, G = 2, O = 3;
    /** GRU gate block indices. */
    public static final int R = 0, Z = 1, N = 2;

    private final int gates;

    Cell(int gates) {
        this.gates = gates;
    }

    /** {@return number of gate blocks stacked in the weight rows (4 for LSTM, 3 for GRU)} */
    public int gates() {
        return gates;
    }

    /**
     * Parses {@code lstm} or {@code gru}.
     *
     * @param text the name, case-insensitive
     * @return the cell it names
     */
    public static Cell parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "lstm" -> LSTM;
            case "gru" -> GRU;
            default -> throw new FusedRnnException("cell: expected lstm or gru, found '" + text + "'");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
