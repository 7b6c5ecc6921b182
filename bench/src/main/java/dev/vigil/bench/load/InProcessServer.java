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

    private InProcessServer(Gate gate, VigilServer server, HttpServer http, Path socketFolder, VigilMetrics metrics) {
        this.metrics = metrics;
        this.gate = gate;
        this.server = server;
        this.http = http;
        this.socketFolder = socketFolder;
    }

    /** Loads {@code classifier}, warms it up, starts the three listeners and waits until HTTP reports ready. */
    public static InProcessServer start(String classifier, int maxBatch) {
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
        try {
            gate = BenchGates.build(classifier, maxBatch, metrics.batchListener());
            InetAddress loopback = InetAddress.getLoopbackAddress();
            server = VigilServer.builder().setGate(gate).optMetrics(metrics)
                    .optTcp(loopback, 0)
                    .optUnixSocket(folder.resolve("vigil.sock"))
                    .build().start();
            http = HttpServer.start(gate, metrics, new InetSocketAddress(loopback, 0), server.frontDoor());
            http.readiness().get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new InProcessServer(gate, server, http, folder, metrics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(http, server, gate, folder);
            throw new IllegalStateException("interrupted while the in-process server started", e);
        } catch (ExecutionException | TimeoutException e) {
            close(http, server, gate, folder);
            throw new IllegalStateException("in-process server: HTTP self-check did not pass within " + READY_TIMEOUT_SECONDS + " s", e);
        } catch (RuntimeException | Error e) {
            close(http, server, gate, folder);
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
        close(http, server, gate, socketFolder);
    }

    private static void close(HttpServer http, VigilServer server, Gate gate, Path folder) {
        try {
            if (http != null) {
                http.close();
            }
            if (server != null) {
                server.stop();
            }
        } finally {
            if (gate != null) {
                gate.close();
            }
            try {
                Files.deleteIfExists(folder.resolve("vigil.sock"));
                Files.deleteIfExists(folder);
            } catch (IOException e) {
                System.getLogger(InProcessServer.class.getName()).log(System.Logger.Level.WARNING,
                        "temporary folder " + folder + ": not removed: " + e.getMessage());
            }
        }
    }
}
