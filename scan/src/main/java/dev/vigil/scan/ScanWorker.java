package dev.vigil.scan;

import dev.vigil.audit.AuditLog;
import dev.vigil.engine.Gate;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import dev.vigil.server.Auditor;
import dev.vigil.cli.CliSupport;
import dev.vigil.cli.ScanRow;
import dev.vigil.protocol.ErrorCode;
import dev.vigil.server.Failures;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The engine on one Spark executor: one {@link Gate} (and one audit log) per JVM and
 * {@link Settings}, made on first use and closed when the JVM exits, so each executor loads the
 * models once however many partitions it runs. {@link #score} turns a partition's files into
 * rows, keeping {@value #WINDOW} images in flight so the gate forms batches. Thread-safe: Spark
 * runs partitions on several task threads of one executor at once, and they share the gate.
 */
final class ScanWorker implements AutoCloseable {
    static final int WINDOW = 64;
    private static final Map<Settings, ScanWorker> WORKERS = new HashMap<>();
    /** In this JVM: when the first worker's gate was ready, and when the last row was made ({@link System#nanoTime}; 0: none yet). */
    private static volatile long firstReadyNanos;
    private static volatile long lastRowNanos;

    /**
     * What every executor needs to score as the driver was asked: serialised with the job.
     *
     * @param repository the model repository on every executor (null: the default, {@code <cache>/models})
     * @param policiesYaml the policy file's text (null: the engine's policies)
     * @param policy     policy name (null: the file's default)
     * @param auditDir   where each executor keeps its audit log, in a folder of its own (null: no audit log)
     * @param timeout    deadline per image
     */
    record Settings(String repository, String policiesYaml, String policy, String auditDir, Duration timeout) implements Serializable {
    }

    private final Gate gate;
    private final AuditLog auditLog;
    private final Auditor auditor;
    private final Auditor.Client client;
    private final String policy;
    private final Duration timeout;

    private ScanWorker(Settings settings) throws IOException {
        VigilPaths paths = VigilPaths.resolve(null, settings.repository() == null ? null : Path.of(settings.repository()));
        ModelRepository models = new ModelRepository(paths.repository());
        PolicySet set = settings.policiesYaml() == null ? PolicySet.defaults()
                : PolicySet.load(new java.io.ByteArrayInputStream(settings.policiesYaml().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "spark job");
        set.policy(settings.policy() != null ? settings.policy() : set.defaultPolicy().name());
        this.policy = settings.policy();
        this.timeout = settings.timeout();
        String executor = executorName();
        if (settings.auditDir() != null) {
            Path dir = Path.of(settings.auditDir()).resolve(executor);
            this.auditLog = AuditLog.open(AuditLog.Options.defaults(dir));
            this.auditor = new Auditor(auditLog, dev.vigil.cli.AuditOptions.modelDigests(models), null);
        } else {
            this.auditLog = null;
            this.auditor = Auditor.NONE;
        }
        this.client = new Auditor.Client("spark", "local-user", System.getProperty("user.name", ""), "vigil spark scan", executor);
        Gate built;
        try {
            built = Gate.builder().optRepository(models).optPolicies(set).optTimeout(timeout).optEvidence(true).build();
        } catch (RuntimeException e) {
            if (auditLog != null) {
                auditLog.close();
            }
            throw e;
        }
        this.gate = built;
        if (firstReadyNanos == 0) {
            firstReadyNanos = System.nanoTime();
        }
    }

    /**
     * Images per second from when this JVM's first gate was ready to its last row, for
     * {@code rows} rows: the scan's rate without Spark's and the models' start-up (local mode,
     * where the driver is the executor); NaN when this JVM scored nothing.
     */
    static double localRate(long rows) {
        long ready = firstReadyNanos;
        long last = lastRowNanos;
        return ready == 0 || last <= ready ? Double.NaN : rows / ((last - ready) / 1e9);
    }

    /** Seconds from {@code t0} ({@link System#nanoTime}) until this JVM's first gate was ready, or NaN. */
    static double secondsToReady(long t0) {
        long ready = firstReadyNanos;
        return ready == 0 ? Double.NaN : (ready - t0) / 1e9;
    }

    /** This JVM's worker for {@code settings}. */
    static synchronized ScanWorker get(Settings settings) {
        ScanWorker w = WORKERS.get(settings);
        if (w == null) {
            try {
                w = new ScanWorker(settings);
            } catch (IOException e) {
                throw new UncheckedIOException("audit log: " + e.getMessage(), e);
            }
            WORKERS.put(settings, w);
            ScanWorker made = w;
            Runtime.getRuntime().addShutdownHook(new Thread(made::close, "vigil-scan-close"));
        }
        return w;
    }

    /** Closes every worker of this JVM (their audit logs sign a last checkpoint); for the driver in local mode and tests. */
    static synchronized void closeAll() {
        WORKERS.values().forEach(ScanWorker::close);
        WORKERS.clear();
    }

    /** {@code host-pid}: each executor's audit log gets a folder of its own. */
    static String executorName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }

    /** A file: its path, its bytes (null when Spark could not read it). */
    record Input(String path, byte[] content) {
    }

    /** The rows of {@code inputs}, in their order, {@value #WINDOW} in flight. */
    Iterator<ScanRow> score(Iterator<Input> inputs) {
        return new Iterator<>() {
            private final Deque<CompletableFuture<ScanRow>> window = new ArrayDeque<>();

            private void fill() {
                while (window.size() < WINDOW && inputs.hasNext()) {
                    window.addLast(submit(inputs.next()));
                }
            }

            @Override
            public boolean hasNext() {
                fill();
                return !window.isEmpty();
            }

            @Override
            public ScanRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                ScanRow r = window.removeFirst().join();
                lastRowNanos = System.nanoTime();
                return r;
            }
        };
    }

    private CompletableFuture<ScanRow> submit(Input in) {
        if (in.content() == null) {
            return CompletableFuture.completedFuture(ScanRow.failed(in.path(), null, "file: could not be read", false));
        }
        byte[] bytes = in.content();
        ScoreRequest request = new ScoreRequest(in.path(), new EncodedImage(bytes), null, policy, timeout);
        CompletableFuture<Auditor.Recorded> recorded;
        try {
            // a batch job waits out the gate's overload refusals rather than write them as errors
            recorded = auditor.record(CliSupport.scoreWaiting(gate, request), client, false, request.image());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed(in.path(), bytes, e));
        }
        return recorded.handle((r, e) -> e != null ? failed(in.path(), bytes, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e)
                : ScanRow.of(in.path(), bytes, r.verdict()));
    }

    private static ScanRow failed(String path, byte[] bytes, Throwable e) {
        ErrorCode code = Failures.code(e);
        return ScanRow.failed(path, bytes, code + ": " + Failures.message(e, path), code.retryable());
    }

    @Override
    public synchronized void close() {
        gate.close();
        if (auditLog != null) {
            auditLog.close();
        }
    }
}
