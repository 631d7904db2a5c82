package io.fusedrnn.cli;

import io.fusedrnn.Backend;
import io.fusedrnn.Backends;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code fusedrnn version} (and {@code --version}): the library's version, the JDK's, and the backends that open here. */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = "The library version, the JDK and the backends available here.",
        footer = {"", "Example:", "  fusedrnn version"})
final class VersionCommand implements Callable<Integer>, CommandLine.IVersionProvider {
    VersionCommand() {
    }

    @Override
    public Integer call() {
        for (String line : getVersion()) System.out.println(line);
        return Main.OK;
    }

    @Override
    public String[] getVersion() {
        List<String> lines = new ArrayList<>();
        lines.add("fusedrnn " + libraryVersion());
        lines.add("JDK " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        List<String> skipped = new ArrayList<>();
        List<Backend> found = Backends.openAll(skipped);
        try {
            for (Backend b : found) lines.add("backend " + b.name() + ": " + b.description());
        } finally {
            found.forEach(Backend::close);
        }
        for (String s : skipped) lines.add("not available: " + s);
        return lines.toArray(String[]::new);
    }

    /** From the jar manifest, else from the build's version.properties (running from target/classes), else "unknown". */
    static String libraryVersion() {
        String v = Backends.class.getPackage().getImplementationVersion();
        if (v != null) return v;
        try (InputStream in = Backends.class.getResourceAsStream("version.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
