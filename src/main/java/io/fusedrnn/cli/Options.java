package io.fusedrnn.cli;

import io.fusedrnn.FusedRnnException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A command's {@code --name value} options and {@code --flag}s, checked against the names the command
 * knows; anything else is a {@link FusedRnnException} naming the option (the CLI turns it into exit 2).
 */
public final class Options {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private Options(String command) {
        this.command = command;
    }

    /**
     * Parses {@code args}; {@code valued} names take a value, {@code flags} do not. A repeated option
     * or a missing value is an error.
     */
    public static Options parse(String command, String[] args, Set<String> valued, Set<String> flags) {
        Options o = new Options(command);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a.startsWith("--") ? a.substring(2) : null;
            String inline = null;
            if (name != null && name.contains("=")) {
                inline = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            }
            if (name == null || !(valued.contains(name) || flags.contains(name))) {
                Set<String> known = new TreeSet<>();
                valued.forEach(v -> known.add("--" + v));
                flags.forEach(v -> known.add("--" + v));
                throw new FusedRnnException(command + ": unknown option '" + a + "'; expected "
                        + (known.isEmpty() ? "no options" : "one of " + String.join(", ", known)));
            }
            if (o.values.containsKey(name)) throw new FusedRnnException(command + ": option --" + name + " given twice");
            if (flags.contains(name)) {
                if (inline != null) throw new FusedRnnException(command + ": option --" + name + " takes no value, found '" + inline + "'");
                o.values.put(name, "true");
            } else if (inline != null) {
                o.values.put(name, inline);
            } else {
                if (i + 1 >= args.length) throw new FusedRnnException(command + ": option --" + name + " expects a value, found none");
                o.values.put(name, args[++i]);
            }
        }
        return o;
    }

    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }
}
