package dev.vigil.bench;

import dev.vigil.bench.load.ArrivalSchedule;
import dev.vigil.bench.load.BinaryTarget;
import dev.vigil.bench.load.ClosedLoop;
import dev.vigil.bench.load.HttpTarget;
import dev.vigil.bench.load.InProcessServer;
import dev.vigil.bench.load.Knee;
import dev.vigil.bench.load.LoadResult;
import dev.vigil.bench.load.LoadSweep;
import dev.vigil.bench.load.LoadTarget;
import dev.vigil.bench.load.LoadWindow;
import dev.vigil.bench.load.OpenLoop;
import dev.vigil.bench.load.SweepRates;
import dev.vigil.bench.load.SweepResult;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.server.VigilServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./vigil bench load}: a server under load from outside, over the binary protocol or
 * HTTP, with latency percentiles corrected for coordinated omission. Closed loop (clients that
 * wait for their answers), open loop (a fixed schedule of arrivals) or a sweep of open-loop
 * rates that finds the knee. With no {@code --target} it starts the server in-process on
 * loopback. Every run is bounded by its window, its request cap and the request timeout.
 */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Load a Vigil server and report throughput and latency percentiles (HdrHistogram, corrected for coordinated omission).",
            "Closed loop (default; --clients N): N clients, each sending its next request when the previous one was answered.",
            "Open loop (--rate R): R requests/s on a fixed schedule whatever the answers, latency from each request's intended send time.",
            "Sweep (--sweep FROM:TO:STEP or FROM:TO:xFACTOR): open-loop steps at rising rates, the latency-vs-throughput curve"
                    + " (table, CSV, JSON, SVG) and its knee.",
            "With no --target, a server (gate with the classifier-only policy, binary protocol on TCP and a Unix socket, HTTP)"
                    + " is started in this process on loopback and shares its cores."})
final class LoadCommand implements Callable<Integer> {
    enum TransportKind { tcp, unix, http }

    @Spec
    CommandSpec spec;

    @Option(names = "--transport", paramLabel = "tcp|unix|http",
            description = "Binary protocol over TCP or a Unix socket, or HTTP POST /v1/score (default: from --target, else tcp).")
    TransportKind transport;

    @Option(names = "--target", paramLabel = "ADDRESS",
            description = "Server to load: host:port (tcp), unix:/path (unix) or http://host:port (http) (default: a server started in-process on loopback).")
    String target;

    @Option(names = "--clients", paramLabel = "N", description = "Closed loop: concurrent clients (default: 16, when neither --rate nor --sweep is given).")
    Integer clients;

    @Option(names = "--rate", paramLabel = "R", description = "Open loop: requests per second offered.")
    Double rate;

    @Option(names = "--sweep", paramLabel = "FROM:TO:STEP",
            description = "Open-loop steps from FROM to TO requests/s, STEP apart (10:100:10) or by a factor (5:80:x2); at most "
                    + SweepRates.MAX_STEPS + " steps.")
    String sweep;

    @Option(names = "--poisson", description = "Open loop and sweep: exponential gaps between arrivals (a Poisson process) instead of constant spacing.")
    boolean poisson;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the Poisson schedule; a sweep's step i uses N + i (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--seconds", paramLabel = "S", description = "Measured window, per step in a sweep (default: ${DEFAULT-VALUE}).")
    double seconds = 10;

    @Option(names = {"--warmup", "--warmup-seconds"}, paramLabel = "W",
            description = "Traffic before the window, not counted, per step in a sweep (default: ${DEFAULT-VALUE}).")
    double warmup = 3;

    @Option(names = "--max-requests", paramLabel = "N",
            description = "Most requests sent, warm-up included (per step in a sweep); reaching it ends the run early (default: ${DEFAULT-VALUE}).")
    long maxRequests = 1_000_000;

    @Option(names = "--max-in-flight", paramLabel = "N",
            description = "Open loop: most unanswered requests; when reached the sender waits (counted as latency), and what is"
                    + " still waiting at the window's end is reported unsent (default: ${DEFAULT-VALUE}, the server's own limit).")
    int maxInFlight = VigilServer.DEFAULT_MAX_IN_FLIGHT;

    @Option(names = "--timeout", paramLabel = "S",
            description = "Per request: no answer within it is a TIMEOUT error; the run waits at most this (+2 s) after the window"
                    + " (default: ${DEFAULT-VALUE}; at most the server's max timeout, 60).")
    double timeout = 10;

    @Option(names = "--expect-continue",
            description = "HTTP: send each request with Expect: 100-continue, so that the server can refuse it before its image is sent"
                    + " (as curl does for large bodies).")
    boolean expectContinue;

    @Option(names = "--expected-interval-ms", paramLabel = "MS",
            description = "Closed loop: the interval each client is expected to send at, for coordinated-omission correction"
                    + " (default: the median latency of the warm-up).")
    Double expectedIntervalMs;

    @Option(names = "--out", paramLabel = "PREFIX",
            description = "Sweep: write PREFIX.csv, PREFIX.json and PREFIX.svg (default: ${DEFAULT-VALUE}).")
    Path outPrefix = Path.of("target", "bench-load", "sweep");

    @Option(names = "--full-sweep", description = "Sweep: run every rate, even after two steps in a row fell short of their offered rate.")
    boolean fullSweep;

    @Option(names = "--knee-p99-factor", paramLabel = "F",
            description = "Knee: a step's p99 may be at most F times the low-load p99, the smallest of any step (default: ${DEFAULT-VALUE}).")
    double kneeP99Factor = Knee.Criteria.DEFAULT.p99Factor();

    @Option(names = "--knee-throughput-tolerance", paramLabel = "T",
            description = "Knee: a step's throughput may fall short of its offered rate by at most this fraction (default: ${DEFAULT-VALUE}).")
    double kneeThroughputTolerance = Knee.Criteria.DEFAULT.throughputTolerance();

    @Option(names = "--knee-max-failed", paramLabel = "F",
            description = "Knee: at most this fraction of a step's requests without a proper verdict (error, fail-closed, unsent, unfinished)"
                    + " (default: ${DEFAULT-VALUE}).")
    double kneeMaxFailed = Knee.Criteria.DEFAULT.maxFailedFraction();

    @Option(names = "--model", paramLabel = "NAME", description = "In-process server only: its classifier (default: ${DEFAULT-VALUE}).")
    String model = "nsfw-mobilenet-v2-mid";

    @Option(names = "--batch", paramLabel = "N", description = "In-process server only: its maximum batch size (default: ${DEFAULT-VALUE}, the gate's default).")
    int batch = BatchingConfig.DEFAULT_MAX_BATCH_SIZE;

    @Mixin
    PhotosOption photos;

    @Option(names = "--audit", paramLabel = "off|interval|always", defaultValue = "interval",
            description = "In-process server only: its audit log, as serve's --audit-sync (in a temporary folder), or off (default: ${DEFAULT-VALUE}, serve's default).")
    String audit;

    @Option(names = "--compare-audit", paramLabel = "ROUNDS",
            description = "In-process server, tcp, closed or open loop: ROUNDS pairs of runs on one gate, one through a listener recording every verdict"
                    + " (--audit) and one through a listener recording nothing, in alternating order (off/on, on/off, ...); prints each run and"
                    + " the medians, and the cost of the log as their ratio.")
    Integer compareAudit;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    boolean json;

    private MachineFacts machine;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        machine = MachineFacts.capture();
        Mode mode = mode();
        TransportKind kind = transportKind();
        if (!(seconds > 0) || !(warmup >= 0)) {
            throw new IllegalArgumentException("--seconds: " + seconds + ", --warmup: " + warmup + " (expected: > 0 and >= 0)");
        }
        if (!(timeout > 0) || timeout > VigilServer.DEFAULT_MAX_TIMEOUT.toSeconds()) {
            throw new IllegalArgumentException("--timeout: " + timeout + " (expected: > 0 and <= " + VigilServer.DEFAULT_MAX_TIMEOUT.toSeconds() + ")");
        }
        positive("--max-in-flight", maxInFlight);
        if (maxRequests < 1) {
            throw new IllegalArgumentException("--max-requests: " + maxRequests + " (expected: >= 1)");
        }
        if (target != null && (spec.commandLine().getParseResult().hasMatchedOption("--model")
                || spec.commandLine().getParseResult().hasMatchedOption("--batch"))) {
            throw new IllegalArgumentException("--model and --batch: only for the in-process server (expected: no --target)");
        }
        positive("--batch", batch);
        int outstanding = mode.kind == ModeKind.CLOSED ? mode.clients : maxInFlight;
        if (kind != TransportKind.http && outstanding > BinaryTarget.MAX_IN_FLIGHT) {
            throw new IllegalArgumentException((mode.kind == ModeKind.CLOSED ? "--clients: " : "--max-in-flight: ") + outstanding
                    + " (expected: <= " + BinaryTarget.MAX_IN_FLIGHT + " over the binary protocol, the client's 64 connections of 64 requests)");
        }
        Knee.Criteria criteria = new Knee.Criteria(kneeThroughputTolerance, kneeP99Factor, kneeMaxFailed);
        Duration requestTimeout = Duration.ofMillis(Math.round(timeout * 1000));
        LoadWindow window = new LoadWindow(Duration.ofMillis(Math.round(warmup * 1000)), Duration.ofMillis(Math.round(seconds * 1000)),
                maxRequests, requestTimeout.plusSeconds(2));
        List<byte[]> images = BenchPhotos.read(photos.files());

        dev.vigil.audit.AuditLog.Sync auditSync = switch (audit) {
            case "off" -> null;
            case "interval" -> dev.vigil.audit.AuditLog.Sync.INTERVAL;
            case "always" -> dev.vigil.audit.AuditLog.Sync.ALWAYS;
            default -> throw new IllegalArgumentException("--audit: " + audit + " (expected: off, interval or always)");
        };
        if (compareAudit != null) {
            if (target != null || kind != TransportKind.tcp || mode.kind == ModeKind.SWEEP || auditSync == null || compareAudit < 1) {
                throw new IllegalArgumentException("--compare-audit: " + compareAudit + " (expected: >= 1 rounds, with the in-process server (no --target),"
                        + " --transport tcp, a closed or open loop, and --audit interval or always)");
            }
            return compareAudit(mode, auditSync, images, window, requestTimeout, outstanding, out, err);
        }
        InProcessServer server = null;
        try {
            String address = target;
            String serverName = "external";
            if (address == null) {
                err.printf(Locale.ROOT, "vigil bench: starting a server in this process on loopback (classifier %s, batches up to %d, audit log %s) ...%n",
                        model, batch, audit);
                server = InProcessServer.start(model, batch, auditSync, false);
                address = switch (kind) {
                    case tcp -> server.tcpAddress();
                    case unix -> server.unixAddress();
                    case http -> server.httpUrl();
                };
                serverName = "in-process";
            }
            try (LoadTarget load = kind == TransportKind.http ? HttpTarget.connect(address, requestTimeout, expectContinue)
                    : BinaryTarget.connect(address, outstanding, requestTimeout)) {
                return switch (mode.kind) {
                    case CLOSED -> report(ClosedLoop.run(load, serverName, images, mode.clients,
                            expectedIntervalMs == null ? null : Duration.ofNanos(Math.round(expectedIntervalMs * 1e6)), window), out, err);
                    case OPEN -> report(OpenLoop.run(load, serverName, images,
                            poisson ? ArrivalSchedule.poisson(rate, seed) : ArrivalSchedule.constant(rate), poisson ? seed : null,
                            maxInFlight, window), out, err);
                    case SWEEP -> sweep(load, serverName, images, mode.rates, window, criteria, out, err);
                };
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** --compare-audit: alternating runs through the audited and the plain listener of one in-process gate. */
    private int compareAudit(Mode mode, dev.vigil.audit.AuditLog.Sync sync, List<byte[]> images, LoadWindow window, Duration requestTimeout,
                             int outstanding, PrintWriter out, PrintWriter err) throws Exception {
        err.printf(Locale.ROOT, "vigil bench: starting a server in this process on loopback (classifier %s, batches up to %d), one listener with the audit"
                + " log (sync %s) and one without ...%n", model, batch, audit);
        List<LoadResult> on = new java.util.ArrayList<>();
        List<LoadResult> off = new java.util.ArrayList<>();
        try (InProcessServer server = InProcessServer.start(model, batch, sync, true)) {
            for (int round = 0; round < compareAudit; round++) {
                for (int k = 0; k < 2; k++) {
                    boolean audited = (round % 2 == 0) == (k == 1); // off, on; on, off; ...
                    String address = audited ? server.tcpAddress() : server.plainTcpAddress();
                    LoadResult r;
                    try (LoadTarget load = BinaryTarget.connect(address, outstanding, requestTimeout)) {
                        r = mode.kind == ModeKind.CLOSED
                                ? ClosedLoop.run(load, "in-process", images, mode.clients,
                                        expectedIntervalMs == null ? null : Duration.ofNanos(Math.round(expectedIntervalMs * 1e6)), window)
                                : OpenLoop.run(load, "in-process", images, poisson ? ArrivalSchedule.poisson(rate, seed) : ArrivalSchedule.constant(rate),
                                        poisson ? seed : null, maxInFlight, window);
                    }
                    (audited ? on : off).add(r);
                    err.printf(Locale.ROOT, "vigil bench: round %d, audit %-8s: %.1f verdicts/s, p50 %.2f ms, p99 %.2f ms, %d without a verdict%n",
                            round + 1, audited ? audit : "off", r.throughputPerSecond(), r.latency().p50(), r.latency().p99(), r.withoutVerdict());
                }
            }
            var log = server.audit();
            double offTput = median(off.stream().mapToDouble(LoadResult::throughputPerSecond).toArray());
            double onTput = median(on.stream().mapToDouble(LoadResult::throughputPerSecond).toArray());
            double offP99 = median(off.stream().mapToDouble(r -> r.latency().p99()).toArray());
            double onP99 = median(on.stream().mapToDouble(r -> r.latency().p99()).toArray());
            var summary = BenchCommand.JSON.createObjectNode();
            summary.put("mode", "compare-audit");
            summary.put("audit_sync", audit);
            summary.put("rounds", compareAudit);
            summary.put("throughput_off_per_s", offTput);
            summary.put("throughput_on_per_s", onTput);
            summary.put("throughput_ratio_on_off", onTput / offTput);
            summary.put("p99_off_ms", offP99);
            summary.put("p99_on_ms", onP99);
            summary.put("p99_ratio_on_off", onP99 / offP99);
            summary.put("records_written", log.recordsWritten());
            summary.put("bytes_written", log.bytesWritten());
            summary.put("bytes_per_record", log.recordsWritten() == 0 ? 0 : (double) log.bytesWritten() / log.recordsWritten());
            var runs = summary.putArray("runs");
            for (int i = 0; i < compareAudit; i++) {
                runs.addObject().put("round", i + 1).put("audit", "off").put("throughput_per_s", off.get(i).throughputPerSecond())
                        .put("p99_ms", off.get(i).latency().p99());
                runs.addObject().put("round", i + 1).put("audit", audit).put("throughput_per_s", on.get(i).throughputPerSecond())
                        .put("p99_ms", on.get(i).latency().p99());
            }
            if (json) {
                out.println(BenchCommand.JSON.writeValueAsString(summary));
            } else {
                out.printf(Locale.ROOT, "audit log cost (%d rounds, medians): throughput %.1f/s off, %.1f/s on (ratio %.3f); p99 %.2f ms off, %.2f ms on"
                                + " (ratio %.3f); %d records, %.0f bytes each%n", compareAudit, offTput, onTput, onTput / offTput, offP99, onP99, onP99 / offP99,
                        log.recordsWritten(), summary.get("bytes_per_record").asDouble());
            }
            return 0;
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private int report(LoadResult result, PrintWriter out, PrintWriter err) throws Exception {
        warn(result, "", err);
        out.println(json ? BenchCommand.JSON.writeValueAsString(machine.ended().attachTo(result)) : result.describe());
        return result.verdicts() + result.failedClosed() > 0 ? 0 : 1;
    }

    private int sweep(LoadTarget load, String serverName, List<byte[]> images, List<Double> rates, LoadWindow window, Knee.Criteria criteria,
                      PrintWriter out, PrintWriter err) throws Exception {
        int[] step = {0};
        SweepResult result = LoadSweep.run(load, serverName, images, rates, poisson ? seed : null, maxInFlight, window, criteria, fullSweep, r -> {
            step[0]++;
            err.printf(Locale.ROOT, "vigil bench: step %d/%d: offered %.1f/s, %.1f verdicts/s, p99 %.2f ms, %d without a verdict, %d fail-closed%n",
                    step[0], rates.size(), r.offeredPerSecond(), r.throughputPerSecond(), r.latency().p99(), r.withoutVerdict(), r.failedClosed());
            warn(r, String.format(Locale.ROOT, "step %.1f/s: ", r.offeredPerSecond()), err);
        });
        MachineFacts ended = machine.ended();
        result = LoadSweep.write(result, outPrefix, ended);
        out.println(json ? BenchCommand.JSON.writeValueAsString(ended.attachTo(result)) : result.table()
                + "files: " + String.join(", ", result.files().values()));
        return result.steps().stream().anyMatch(r -> r.verdicts() + r.failedClosed() > 0) ? 0 : 1;
    }

    private static void warn(LoadResult r, String prefix, PrintWriter err) {
        if (r.verdicts() + r.failedClosed() == 0) {
            err.println("vigil bench: " + prefix + "no verdict in the window" + (r.errorExamples().isEmpty() ? ""
                    : ", e.g. " + r.errorExamples().entrySet().iterator().next()));
        } else if (r.latency().count() > 0 && r.latency().count() < 20 && r.mode().equals(LoadResult.CLOSED_LOOP)) {
            err.println("vigil bench: " + prefix + "only " + r.verdicts() + " verdicts in the window; raise --seconds for steadier percentiles");
        }
    }

    enum ModeKind { CLOSED, OPEN, SWEEP }

    record Mode(ModeKind kind, int clients, List<Double> rates) {
    }

    /** Closed loop unless --rate or --sweep; one of the three at most. */
    Mode mode() {
        int given = (clients != null ? 1 : 0) + (rate != null ? 1 : 0) + (sweep != null ? 1 : 0);
        if (given > 1) {
            throw new IllegalArgumentException("--clients, --rate and --sweep: choose one (closed loop, open loop, sweep)");
        }
        if (rate != null) {
            if (!(rate > 0) || rate.isInfinite()) {
                throw new IllegalArgumentException("--rate: " + rate + " (expected: > 0 requests/s)");
            }
            refuseClosedLoopOption("--rate");
            return new Mode(ModeKind.OPEN, 0, List.of(rate));
        }
        if (sweep != null) {
            refuseClosedLoopOption("--sweep");
            return new Mode(ModeKind.SWEEP, 0, SweepRates.parse(sweep));
        }
        if (poisson) {
            throw new IllegalArgumentException("--poisson: only with --rate or --sweep (a closed loop sends when answered)");
        }
        int n = clients == null ? 16 : positive("--clients", clients);
        if (spec.commandLine().getParseResult().hasMatchedOption("--max-in-flight")) {
            throw new IllegalArgumentException("--max-in-flight: open loop only (a closed loop has --clients in flight)");
        }
        return new Mode(ModeKind.CLOSED, n, List.of());
    }

    private void refuseClosedLoopOption(String mode) {
        if (expectedIntervalMs != null) {
            throw new IllegalArgumentException("--expected-interval-ms: closed loop only (" + mode + " measures from each request's intended send time)");
        }
    }

    /** --transport, or the kind --target names; the two must agree. */
    TransportKind transportKind() {
        TransportKind implied = target == null ? null
                : target.startsWith("unix:") ? TransportKind.unix
                : target.startsWith("http://") || target.startsWith("https://") ? TransportKind.http : TransportKind.tcp;
        if (transport != null && implied != null && transport != implied) {
            throw new IllegalArgumentException("--target: " + target + " (expected: " + switch (transport) {
                case tcp -> "host:port";
                case unix -> "unix:/path";
                case http -> "http://host:port";
            } + " for --transport " + transport + ")");
        }
        return transport != null ? transport : implied != null ? implied : TransportKind.tcp;
    }

    private static int positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + ": " + value + " (expected: >= 1)");
        }
        return value;
    }
}
