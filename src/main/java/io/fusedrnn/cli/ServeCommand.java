package io.fusedrnn.cli;

import io.fusedrnn.Backend;
import io.fusedrnn.BackendUnavailableException;
import io.fusedrnn.Backends;
import io.fusedrnn.FusedRnnException;
import io.fusedrnn.Precision;
import io.fusedrnn.model.LoadOptions;
import io.fusedrnn.model.PreparedRnn;
import io.fusedrnn.model.RnnModel;
import io.fusedrnn.serve.HttpOptions;
import io.fusedrnn.serve.RnnHttpServer;
import io.fusedrnn.serve.RnnService;
import io.fusedrnn.serve.ServiceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code fusedrnn serve}: loads a model (through {@link RnnModel#load}), prepares it on a backend and
 * answers {@code POST /v1/infer} over HTTP with dynamic batching, until SIGTERM or SIGINT, which stop
 * accepting, answer what is in flight and exit 0. Exit 2 for bad options or input, 3 for a missing backend.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over HTTP with dynamic batching: POST /v1/infer, GET /health, GET /metrics.")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--weights", required = true, description = "the model file (anything RnnModel.load reads)")
    Path weights;
    @Option(names = "--prefix", description = "key prefix of the RNN in the file, e.g. encoder.rnn.")
    String prefix;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE}, loopback only)")
    String host;
    @Option(names = "--port", defaultValue = "8080", description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;
    @Option(names = "--backend", defaultValue = "auto", description = "auto, vector, opencl[:platform:device|:name] or reference (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--threads", defaultValue = "0", description = "workers of the vector backend (other backends have none to set); 0: half the cores, at least one, leaving the rest to the HTTP front end (default: ${DEFAULT-VALUE})")
    int threads;
    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or fp64 (default: ${DEFAULT-VALUE})")
    String precision;
    @Option(names = "--max-batch", defaultValue = "64", description = "most requests per batch (default: ${DEFAULT-VALUE})")
    int maxBatch;
    @Option(names = "--max-wait-ms", defaultValue = "2", description = "how long the oldest request waits for others (default: ${DEFAULT-VALUE})")
    double maxWaitMs;
    @Option(names = "--sweep-cost", defaultValue = "64", description = "a sweep's fixed cost in rows: batches sorted by length split where padding costs more; 64 keeps a batch of 64 in one sweep (default: ${DEFAULT-VALUE})")
    int sweepCost;
    @Option(names = "--max-hold-ms", defaultValue = "50", description = "how long a ready batch may wait while the server is still reading requests or writing answers, at most the previous batch's time; 0: never (default: ${DEFAULT-VALUE})")
    double maxHoldMs;
    @Option(names = "--segment-steps", defaultValue = "32", description = "unidirectional models: rows in flight advance this many steps per sweep, then finished rows leave and waiting requests join; 0: whole sequences per batch (default: ${DEFAULT-VALUE})")
    int segmentSteps;
    @Option(names = "--queue", defaultValue = "10000", description = "most requests waiting; more get 503 (default: ${DEFAULT-VALUE})")
    int queue;
    @Option(names = "--timeout-ms", defaultValue = "30000", description = "per-request limit; later answers are 504 (default: ${DEFAULT-VALUE})")
    long timeoutMs;
    @Option(names = "--max-steps", defaultValue = "10000", description = "largest T accepted; more is 413 (default: ${DEFAULT-VALUE})")
    int maxSteps;
    @Option(names = "--warmup-ms", defaultValue = "5000", description = "before listening, send the model requests over loopback (one alone, then a batch) until the JIT has compiled their paths, at most this long; 0: none (default: ${DEFAULT-VALUE})")
    long warmupMs;
    @Option(names = "--max-body-mb", defaultValue = "16", description = "largest request body in MiB; more is 413 (default: ${DEFAULT-VALUE})")
    int maxBodyMb;

    private final PrintStream out;
    private final PrintStream err;

    /** A command that prints to System.out and System.err. */
    public ServeCommand() {
        this(System.out, System.err);
    }

    ServeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        return serve(); // what it throws becomes the exit status in Failures, like every command
    }

    private int serve() {
        Precision p = Precision.parse(precision);
        if (maxWaitMs < 0 || Double.isNaN(maxWaitMs)) throw new FusedRnnException("--max-wait-ms: expected >= 0, found " + maxWaitMs);
        if (timeoutMs < 1) throw new FusedRnnException("--timeout-ms: expected >= 1, found " + timeoutMs);
        if (maxBodyMb < 1) throw new FusedRnnException("--max-body-mb: expected >= 1, found " + maxBodyMb);
        if (maxHoldMs < 0 || Double.isNaN(maxHoldMs)) throw new FusedRnnException("--max-hold-ms: expected >= 0, found " + maxHoldMs);
        if (warmupMs < 0) throw new FusedRnnException("--warmup-ms: expected >= 0 (0: none), found " + warmupMs);
        if (segmentSteps < 0) throw new FusedRnnException("--segment-steps: expected >= 0 (0: whole sequences), found " + segmentSteps);
        if (threads < 0) throw new FusedRnnException("--threads: expected >= 0 (0: half the cores), found " + threads);
        ServiceOptions so = new ServiceOptions(maxBatch, Duration.ofNanos((long) (maxWaitMs * 1e6)), queue, sweepCost, Duration.ofNanos((long) (maxHoldMs * 1e6)),
                segmentSteps);
        HttpOptions ho = new HttpOptions(host, port, (long) maxBodyMb << 20, maxSteps, Duration.ofMillis(timeoutMs));
        RnnModel model = RnnModel.load(weights, LoadOptions.prefix(prefix));
        Backend be = Backends.open(backend, threads > 0 ? threads : HttpOptions.backendThreads(Runtime.getRuntime().availableProcessors()));
        try {
            if (!be.supports(p)) {
                throw new BackendUnavailableException("--precision " + p + ": not supported by backend " + be.name() + " (" + be.description()
                        + "); use --precision fp32 or another --backend");
            }
            PreparedRnn rnn = model.prepare(be, p);
            if (warmupMs > 0) {
                long t0 = System.nanoTime();
                // SIGTERM/SIGINT before listening: nothing was accepted, so stop at once, and with 0 as later
                Thread early = Thread.ofPlatform().name("fusedrnn-serve-stop").unstarted(() -> {
                    err.println("fusedrnn serve: stopped during the warm-up, before listening");
                    err.flush();
                    Runtime.getRuntime().halt(0);
                });
                Runtime.getRuntime().addShutdownHook(early);
                int rounds;
                try {
                    rounds = ServeWarmup.run(rnn, so, ho, warmupMs);
                } catch (RuntimeException e) {
                    rnn.close();
                    throw e;
                } finally {
                    try {
                        Runtime.getRuntime().removeShutdownHook(early);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook is running: it ends the JVM
                    }
                }
                err.println("fusedrnn serve: warmed up in " + rounds + " rounds, " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            }
            RnnService service = new RnnService(rnn, so);
            RnnHttpServer server;
            try {
                server = RnnHttpServer.start(service, ho);
            } catch (RuntimeException e) {
                service.close();
                rnn.close();
                throw e;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            // SIGTERM/SIGINT: stop accepting, answer what is in flight, free the model, then exit 0
            // (halt: the JVM would otherwise report 143, the signal's status, though nothing failed)
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("fusedrnn-serve-stop").unstarted(() -> {
                server.stop(Duration.ofSeconds(30));
                service.close();
                rnn.close();
                be.close();
                err.println("fusedrnn serve: stopped after answering " + service.stats().counts().answered() + " requests");
                out.flush();
                err.flush();
                stopped.countDown();
                Runtime.getRuntime().halt(0);
            }));
            err.println("fusedrnn serve: " + model.config().describe() + " on " + be.name() + " " + p + " (" + be.description() + "), max batch "
                    + maxBatch + ", max wait " + maxWaitMs + " ms, max hold " + maxHoldMs + " ms, queue " + queue);
            out.println("listening on " + server.url());
            out.flush();
            stopped.await();
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (RuntimeException e) {
            be.close();
            throw e;
        }
    }
}
