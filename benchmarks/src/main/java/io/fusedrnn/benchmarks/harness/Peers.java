package io.fusedrnn.benchmarks.harness;

import io.fusedrnn.BackendUnavailableException;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;

/**
 * Opens peers by name: ONNX Runtime ({@code onnxruntime}) and oneDNN ({@code onednn}). Each peer class
 * is loaded by name only when asked for, so a missing native library fails that peer alone, with the
 * reason (exit 3), and the harness never links against a peer it does not run.
 */
public final class Peers {
    private static final Map<String, String> CLASSES = Map.of(
            "onnxruntime", "io.fusedrnn.benchmarks.ort.OrtPeer",
            "onednn", "io.fusedrnn.benchmarks.onednn.OneDnnPeer");

    private Peers() {
    }

    /** The named peer, or {@link BackendUnavailableException} with the reason. */
    public static Contender open(String name) {
        String cls = CLASSES.get(name);
        if (cls == null) throw new BackendUnavailableException("peer: expected one of " + BenchOptions.KNOWN_PEERS + ", found '" + name + "'");
        try {
            return (Contender) Class.forName(cls).getConstructor().newInstance();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BackendUnavailableException b) throw b;
            throw new BackendUnavailableException(name + ": cannot start (" + cause + ")", cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new BackendUnavailableException(name + ": cannot start (" + e + "); build benchmarks/ with Maven, "
                    + "which brings its jar and natives", e);
        }
    }
}
