package io.fusedrnn.spark;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The models of one JVM (an executor, or the driver in local mode): each model file is read once per
 * file and options, and prepared once per task slot that runs it at the same time: a task borrows a
 * prepared instance, runs its partition and gives it back, so an executor with N slots prepares at
 * most N. Everything opened is closed by a shutdown hook when the JVM ends.
 *
 * <p>Why one instance per slot and not one per JVM: a backend runs one sweep at a time (each sweep
 * already uses all of that backend's threads), so concurrent tasks sharing one would queue; a vector
 * backend here gets the task's share of cores ({@code spark.task.cpus}) instead, and N tasks run N
 * sweeps at once.
 */
final class ModelCache {
    /** Which file (by path, size and modification time) and how to pick the RNN inside it. */
    record FileKey(String path, long size, long modified, String prefix, String node) {
    }

    /** One prepared instance's identity: the file, the backend (resolved) and precision, and threads. */
    record Key(FileKey file, String backend, Precision precision, int threads) {
    }

    /** A prepared model on its own backend, borrowed by one task at a time. */
    static final class Lease implements AutoCloseable {
        final Key key;
        final Backend backend;
        final PreparedRnn rnn;

        private Lease(Key key, Backend backend, PreparedRnn rnn) {
            this.key = key;
            this.backend = backend;
            this.rnn = rnn;
        }

        /** Gives the instance back for the next task. */
        @Override
        public void close() {
            IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).push(this);
        }
    }

    private static final Map<FileKey, RnnModel> MODELS = new ConcurrentHashMap<>();
    private static final Map<Key, ConcurrentLinkedDeque<Lease>> IDLE = new ConcurrentHashMap<>();
    private static final List<Lease> OPENED = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ModelCache::closeAll, "fusedrnn-spark-close"));
    }

    private ModelCache() {
    }

    /** Identifies a model file as it is now (a file replaced in place gets a new key). */
    static FileKey fileKey(Path file, String prefix, String node) {
        try {
            Path real = file.toAbsolutePath().normalize();
            return new FileKey(real.toString(), Files.size(real), Files.getLastModifiedTime(real).toMillis(),
                    prefix, node);
        } catch (IOException e) {
            throw new FusedRnnException("weights " + file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** The model in a file, read once per JVM. */
    static RnnModel model(FileKey key) {
        return MODELS.computeIfAbsent(key, k -> RnnModel.load(Path.of(k.path()), new LoadOptions(k.prefix(), k.node())));
    }

    /** Held while a backend opens. */
    private static final Object OPENING = new Object();

    /** An idle prepared instance for this key, or a new one; close the lease to give it back. */
    static Lease borrow(Key key) {
        ConcurrentLinkedDeque<Lease> idle = IDLE.get(key);
        Lease lease = idle == null ? null : idle.poll();
        if (lease != null) return lease;
        RnnModel model = model(key.file());
        Backend backend = open(key.backend(), key.threads());
        try {
            if (!backend.supports(key.precision())) {
                throw new BackendUnavailableException("precision " + key.precision() + ": not supported by backend "
                        + backend.name() + " (" + backend.description() + "); use fp32 or another backend");
            }
            lease = new Lease(key, backend, model.prepare(backend, key.precision()));
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        synchronized (OPENED) {
            OPENED.add(lease);
        }
        return lease;
    }

    /**
     * Opens a backend by name; {@code vector} (also when {@code auto} picks it) gets {@code threads}
     * workers, the task's share of the executor's cores, instead of one per processor.
     */
    static Backend open(String name, int threads) {
        Backend b;
        synchronized (OPENING) { // one at a time: two task threads enumerating OpenCL devices at once crashed PoCL (SIGSEGV in clGetDeviceInfo)
            b = Backends.open(name);
        }
        if (!b.name().equals("vector") || threads >= Runtime.getRuntime().availableProcessors()) return b;
        b.close();
        try {
            // VectorBackend(int) lives in the package that needs jdk.incubator.vector: reached
            // reflectively, as Backends does, so this class links without the module
            return (Backend) Class.forName("io.fusedrnn.vector.VectorBackend").getConstructor(int.class).newInstance(threads);
        } catch (ReflectiveOperationException e) {
            throw new BackendUnavailableException("vector: cannot start with " + threads + " threads (" + e + ")", e);
        }
    }

    /** How many prepared instances this JVM has opened (for tests). */
    static int opened() {
        synchronized (OPENED) {
            return OPENED.size();
        }
    }

    private static void closeAll() {
        synchronized (OPENED) {
            for (Lease l : OPENED) {
                l.rnn.close();
                l.backend.close();
            }
            OPENED.clear();
        }
        IDLE.clear();
    }
}
