package dev.vigil.bench.load;

import dev.vigil.bench.BenchGates;
import dev.vigil.engine.Gate;
import dev.vigil.server.VigilServer;
import dev.vigil.server.http.HttpServer;
import dev.vigil.server.metrics.VigilMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code ./vigil serve} runs, started inside the load generator's process on loopback so
 * that {@code ./vigil bench load} works with no server: a gate built as the benchmarks build
 * them ({@link BenchGates}: classifier-only policy), the binary protocol on a free TCP port and
 * on a Unix socket in a fresh temporary folder, and HTTP on a free port, all with the server's
 * defaults and one shared {@link VigilMetrics}. The generator shares the cores with it, which
 * the report says. Owns all of it; {@link #close()} stops the listeners, then the gate, then
 * removes the folder.
 */
public final class InProcessServer implements AutoCloseable {
    /** How long to wait for HTTP's self-check, one score through the gate. */
    static final long READY_TIMEOUT_SECONDS = 60;

    private final Gate gate;
    private final VigilServer server;
    private final HttpServer http;
    private final Path socketFolder;
    private final VigilMetrics metrics;
    private final dev.vigil.audit.AuditLog audit;
    private final VigilServer plain;
    private final Gate plainGate;

    private InProcessServer(Gate gate, VigilServer server, HttpServer http, Path socketFolder, VigilMetrics metrics, dev.vigil.audit.AuditLog audit,
                            VigilServer plain, Gate plainGate) {
        this.audit = audit;
        this.plain = plain;
        this.plainGate = plainGate;
        this.metrics = metrics;
        this.gate = gate;
        this.server = server;
        this.http = http;
        this.socketFolder = socketFolder;
    }

    /** Loads {@code classifier}, warms it up, starts the three listeners and waits until HTTP reports ready; no audit log. */
    public static InProcessServer start(String classifier, int maxBatch) {
        return start(classifier, maxBatch, null, false);
    }

    /**
     * ... with every verdict recorded in an audit log in the temporary folder, as {@code serve}
     * does by default, when {@code audit} is not null; and with {@code plainPeer}, a second
     * binary listener that records nothing ({@link #plainTcpAddress()}), on a gate of its own
     * that computes no evidence, so that one run compares the whole cost of the log.
     */
    public static InProcessServer start(String classifier, int maxBatch, dev.vigil.audit.AuditLog.Sync audit, boolean plainPeer) {
        Path folder;
        try {
            folder = Files.createTempDirectory("vigil-bench-load");
        } catch (IOException e) {
            throw new UncheckedIOException("temporary folder for the Unix socket: " + e.getMessage(), e);
        }
        VigilMetrics metrics = new VigilMetrics();
        Gate gate = null;
        VigilServer server = null;
        HttpServer http = null;
        dev.vigil.audit.AuditLog log = null;
        VigilServer plain = null;
        Gate plainGate = null;
        try {
            gate = BenchGates.build(classifier, maxBatch, metrics.batchListener(), audit != null);
            InetAddress loopback = InetAddress.getLoopbackAddress();
            dev.vigil.server.ListenerPolicy policy = dev.vigil.server.ListenerPolicy.defaults();
            dev.vigil.server.Auditor auditor = dev.vigil.server.Auditor.NONE;
            if (audit != null) {
                log = dev.vigil.audit.AuditLog.open(dev.vigil.audit.AuditLog.Options.defaults(folder.resolve("audit")).withSync(audit));
                metrics.watchAudit(log);
                auditor = new dev.vigil.server.Auditor(log, java.util.Map.of());
            }
            dev.vigil.server.FrontDoor door = new dev.vigil.server.FrontDoor(policy, new dev.vigil.engine.MemoryBudget(policy.memoryBudget()), auditor);
            server = VigilServer.builder().setGate(gate).optMetrics(metrics).optFrontDoor(door)
                    .optTcp(loopback, 0)
                    .optUnixSocket(folder.resolve("vigil.sock"))
                    .build().start();
            if (plainPeer) {
                VigilMetrics plainMetrics = new VigilMetrics();
                plainGate = BenchGates.build(classifier, maxBatch, plainMetrics.batchListener(), false);
                plain = VigilServer.builder().setGate(plainGate).optMetrics(plainMetrics).optTcp(loopback, 0).build().start();
            }
            http = HttpServer.start(gate, metrics, new InetSocketAddress(loopback, 0), server.frontDoor());
            http.readiness().get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new InProcessServer(gate, server, http, folder, metrics, log, plain, plainGate);
        } catch (IOException e) {
            close(http, server, gate, folder, log, plain, plainGate);
            throw new UncheckedIOException("audit log: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(http, server, gate, folder, log, plain, plainGate);
            throw new IllegalStateException("interrupted while the in-process server started", e);
        } catch (ExecutionException | TimeoutException e) {
            close(http, server, gate, folder, log, plain, plainGate);
            throw new IllegalStateException("in-process server: HTTP self-check did not pass within " + READY_TIMEOUT_SECONDS + " s", e);
        } catch (RuntimeException | Error e) {
            close(http, server, gate, folder, log, plain, plainGate);
            throw e;
        }
    }

    /** The metrics every listener records into: what {@code GET /metrics} serves (per-stage histograms among them). */
    /** The gate behind the listeners, for in-process measurements on the very same gate. */
    public Gate gate() {
        return gate;
    }

    public VigilMetrics metrics() {
        return metrics;
    }

    /** {@code 127.0.0.1:PORT} of the binary protocol. */
    public String tcpAddress() {
        InetSocketAddress a = server.tcpAddress();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** {@code 127.0.0.1:PORT} of the second binary listener, which records nothing; null when not started. */
    public String plainTcpAddress() {
        if (plain == null) {
            return null;
        }
        InetSocketAddress a = plain.tcpAddress();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** The audit log, or null. */
    public dev.vigil.audit.AuditLog audit() {
        return audit;
    }

    /** {@code unix:/tmp/.../vigil.sock}. */
    public String unixAddress() {
        return "unix:" + server.unixSocket();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String httpUrl() {
        InetSocketAddress a = http.address();
        return "http://" + a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    @Override
    public void close() {
        close(http, server, gate, socketFolder, audit, plain, plainGate);
    }

    private static void close(HttpServer http, VigilServer server, Gate gate, Path folder, dev.vigil.audit.AuditLog log, VigilServer plain,
                              Gate plainGate) {
        try {
            if (http != null) {
                http.close();
            }
            if (server != null) {
                server.stop();
            }
            if (plain != null) {
                plain.stop();
            }
        } finally {
            if (gate != null) {
                gate.close();
            }
            if (plainGate != null) {
                plainGate.close();
            }
            if (log != null) {
                log.close();
            }
            try (var files = Files.walk(folder)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException e) {
                System.getLogger(InProcessServer.class.getName()).log(System.Logger.Level.WARNING,
                        "temporary folder " + folder + ": not removed: " + e.getMessage());
            }
        }
    }
}
