package io.fusedrnn.formats;

/** Names taken from a model file, made safe for a one-line message: control characters replaced, long names cut. */
public final class Text {
    private static final int MAX = 120;

    private Text() {
    }

    /**
     * {@return {@code s} with control characters as '?' and at most 120 characters (then "…")}
     *
     * @param s text from a file
     */
    public static String clean(String s) {
        if (s == null) return "null";
        return oneLine(s.length() > MAX ? s.substring(0, MAX) + "…" : s);
    }

    /**
     * {@return {@code t} with control characters (line breaks included) as '?'}
     *
     * @param t text from a file
     */
    public static String oneLine(String t) {
        StringBuilder b = new StringBuilder(t.length());
        t.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) || c == 0x2028 || c == 0x2029 ? '?' : c));
        return b.toString();
    }
}
