package io.fusedrnn.bench;

import io.fusedrnn.BackendUnavailableException;

import java.lang.reflect.InvocationTargetException;

/**
 * Opens peers by name. ONNX Runtime is not a dependency of the library: its jar is put on the class
 * path by {@code ./fusedrnn bench} (from target/peers.classpath), and {@code OrtPeer} is loaded
 * reflectively only when asked for, so nothing else ever links against it.
 */
public final class Peers {
    /** The fix printed when the ONNX Runtime jar is missing. */
    public static final String ORT_FIX = "run it through ./fusedrnn bench (which adds the jar listed in target/peers.classpath), "
            + "or put com.microsoft.onnxruntime:onnxruntime:1.23.2 on the class path";

    private Peers() {
    }

    /** The named peer, or {@link BackendUnavailableException} with the reason and the fix. */
    public static Contender open(String name) {
        if (!name.equals("onnxruntime")) throw new BackendUnavailableException("peer: expected onnxruntime, found '" + name + "'");
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, Peers.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new BackendUnavailableException("onnxruntime: the ONNX Runtime jar is not on the class path; " + ORT_FIX);
        }
        try {
            return (Contender) Class.forName("io.fusedrnn.bench.ort.OrtPeer").getConstructor().newInstance();
        } catch (InvocationTargetException e) {
            throw new BackendUnavailableException("onnxruntime: cannot start (" + e.getCause() + ")", e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new BackendUnavailableException("onnxruntime: cannot start (" + e + "); " + ORT_FIX, e);
        }
    }
}
