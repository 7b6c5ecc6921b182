package dev.vigil.server.metrics;

import dev.vigil.engine.Decision;
import dev.vigil.engine.Verdict;
import dev.vigil.engine.batch.BatchListener;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;

/**
 * Everything the server counts, in one Prometheus registry (scraped by {@code GET /metrics})
 * and in the sliding windows behind the status page ({@link #status()}). Both transports feed
 * the same instance: {@link #recordVerdict} for every verdict, {@link #recordError} for every
 * request answered with an error instead, {@link #inFlight} around each request, and the
 * {@link #batchListener()} given to the gate for batch sizes and queue waits.
 * <p>
 * Metric names (all {@code vigil_} but the JVM's and process's own):
 * <pre>
 * vigil_requests_total{transport,decision,rule}     verdicts answered
 * vigil_verdict_failures_total{stage}               verdicts the gate could not decide (rule "error"), by stage
 * vigil_errors_total{transport,code}                requests answered with an error code instead of a verdict
 * vigil_stage_duration_seconds{stage}               histogram: decode, queue, inference, policy, total
 * vigil_batch_size                                  histogram: requests per model batch
 * vigil_batch_queue_wait_seconds                    histogram: how long each batch's oldest request waited
 * vigil_batch_duration_seconds                      histogram: time in the model per batch
 * vigil_batch_failures_total                        batches whose model call failed
 * vigil_queue_depth{queue}                          requests waiting now (decode, each model)
 * vigil_in_flight_requests{transport}               requests being served now
 * vigil_javacpp_allocated_bytes                     native memory JavaCPP tracks (Mats, tensor buffers)
 * vigil_javacpp_max_bytes                           JavaCPP's limit on it (-Dorg.bytedeco.javacpp.maxBytes)
 * vigil_javacpp_physical_bytes                      the process's resident memory, as JavaCPP measures it
 * jvm_*, process_* (process_resident_memory_bytes)  the Prometheus JVM and process collectors
 * </pre>
 * Made once per process and never closed (it holds no native resources). Thread-safe: every
 * method may be called from any thread; the recording methods never block.
 */
public final class VigilMetrics {
    /** Transport label of requests served over HTTP. */
    public static final String HTTP = "http";
    /** Transport label of requests served over the binary protocol. */
    public static final String BINARY = "binary";
    /** Content type of {@link #writeText}: the Prometheus text format 0.0.4. */
    public static final String TEXT_CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    /** Latency buckets in seconds: 0.5 ms to 10 s, roughly 1-2-5. */
    private static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10};
    private static final double[] BATCH_SIZE_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    /** Batch sizes the status page tells apart; larger ones count as this. */
    private static final int MAX_TRACKED_BATCH = 256;
    private static final List<String> STAGES = List.of("decode", "queue", "inference", "policy", "total");

    private final LongSupplier nanoClock;
    private final long startNanos;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter textWriter = PrometheusTextFormatWriter.builder().setIncludeCreatedTimestamps(false).build();

    private final Counter requests;
    private final Counter verdictFailures;
    private final Counter errors;
    private final Histogram stageSeconds;
    private final DistributionDataPoint[] stagePoints;
    private final Histogram batchSize;
    private final Histogram batchQueueWait;
    private final Histogram batchDuration;
    private final Counter batchFailures;

    private final RateWindow rate;
    private final LatencyWindow latency;
    private final Map<Decision, LongAdder> decisions = new EnumMap<>(Decision.class);
    private final LongAdder failedClosed = new LongAdder();
    private final Map<String, LongAdder> errorCounts = new ConcurrentHashMap<>();
    private final AtomicLongArray batchSizes = new AtomicLongArray(MAX_TRACKED_BATCH + 1);
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Set<String> models = new ConcurrentSkipListSet<>();
    private final AtomicReference<Supplier<Map<String, Integer>>> queues = new AtomicReference<>(Map::of);
    private final AtomicReference<dev.vigil.engine.Gate> gate = new AtomicReference<>();
    private final AtomicReference<dev.vigil.server.FrontDoor> frontDoor = new AtomicReference<>();
    private final AtomicReference<dev.vigil.engine.hash.HashListRegistry> hashLists = new AtomicReference<>();
    private final AtomicReference<dev.vigil.audit.AuditLog> audit = new AtomicReference<>();
    private final Histogram auditFsyncSeconds;
    private final BatchListener batchListener = this::onBatch;

    /** Metrics on the system clock, with the JVM and process collectors registered. */
    public VigilMetrics() {
        this(System::nanoTime, true);
    }

    /**
     * @param nanoClock the clock of the sliding windows, in nanoseconds
     * @param jvm whether to register the JVM and process collectors (tests leave them out)
     */
    VigilMetrics(LongSupplier nanoClock, boolean jvm) {
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
        this.rate = new RateWindow(60, nanoClock);
        this.latency = new LatencyWindow(6, 10, nanoClock);
        for (Decision d : Decision.values()) {
            decisions.put(d, new LongAdder());
        }
        requests = Counter.builder().name("vigil_requests_total")
                .help("Verdicts answered, by transport, decision and the policy rule that decided (default: none fired; error: failed)")
                .labelNames("transport", "decision", "rule").register(registry);
        verdictFailures = Counter.builder().name("vigil_verdict_failures_total")
                .help("Verdicts the gate could not decide (rule error), by the stage that failed: decode, timeout, overloaded, closed, error")
                .labelNames("stage").register(registry);
        errors = Counter.builder().name("vigil_errors_total")
                .help("Requests answered with an error code instead of a verdict, by transport and code")
                .labelNames("transport", "code").register(registry);
        stageSeconds = Histogram.builder().name("vigil_stage_duration_seconds").unit(Unit.SECONDS)
                .help("Wall time per verdict and stage: decode, queue (waiting for a model batch), inference, policy, total")
                .labelNames("stage").classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
        stagePoints = STAGES.stream().map(stageSeconds::labelValues).toArray(DistributionDataPoint[]::new);
        batchSize = Histogram.builder().name("vigil_batch_size").help("Requests per model batch")
                .classicOnly().classicUpperBounds(BATCH_SIZE_BUCKETS).register(registry);
        batchQueueWait = Histogram.builder().name("vigil_batch_queue_wait_seconds").unit(Unit.SECONDS)
                .help("How long each model batch's oldest request waited in the queue before the batch formed")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
        batchDuration = Histogram.builder().name("vigil_batch_duration_seconds").unit(Unit.SECONDS)
                .help("Time each model batch spent in the model")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
        auditFsyncSeconds = Histogram.builder().name("vigil_audit_fsync_duration_seconds").unit(Unit.SECONDS)
                .help("Time each fsync of the audit log took (records and checkpoints together)")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("vigil_audit_records_total")
                .help("Verdict records written to the audit log since start").callback(cb -> {
                    var a = audit.get();
                    if (a != null) {
                        cb.call(a.recordsWritten());
                    }
                }).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("vigil_audit_bytes_total").unit(Unit.BYTES)
                .help("Bytes of records written to the audit log since start").callback(cb -> {
                    var a = audit.get();
                    if (a != null) {
                        cb.call(a.bytesWritten());
                    }
                }).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("vigil_audit_errors_total")
                .help("Audit log writes that failed (requests are refused retryably while it cannot write)").callback(cb -> {
                    var a = audit.get();
                    if (a != null) {
                        cb.call(a.errors());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_audit_checkpoint_age_seconds").unit(Unit.SECONDS)
                .help("Age of the audit log's last signed checkpoint").callback(cb -> {
                    var a = audit.get();
                    if (a != null && a.lastCheckpoint() != null) {
                        cb.call(java.time.Duration.between(a.lastCheckpoint().time(), java.time.Instant.now()).toNanos() / 1e9);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_audit_checkpoint_size").help("Records the audit log's last signed checkpoint covers")
                .callback(cb -> {
                    var a = audit.get();
                    if (a != null && a.lastCheckpoint() != null) {
                        cb.call(a.lastCheckpoint().size());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_audit_writable").help("1 while the audit log can write, 0 while it refuses (disk full, unwritable)")
                .callback(cb -> {
                    var a = audit.get();
                    if (a != null) {
                        cb.call(a.refusal() == null ? 1 : 0);
                    }
                }).register(registry);
        // the GPUs, read through NVML on each scrape (nothing on a host without a driver)
        GaugeWithCallback.builder().name("vigil_gpu_memory_used_bytes").unit(Unit.BYTES).help("GPU memory in use, per device (NVML)")
                .labelNames("gpu", "uuid", "name").callback(cb -> gpus().devices().forEach(d -> {
                    if (d.memoryUsedBytes() != null) {
                        cb.call(d.memoryUsedBytes(), "" + d.index(), d.uuid(), d.name());
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("vigil_gpu_memory_total_bytes").unit(Unit.BYTES).help("GPU memory, per device (NVML)")
                .labelNames("gpu", "uuid", "name").callback(cb -> gpus().devices().forEach(d -> {
                    if (d.memoryTotalBytes() != null) {
                        cb.call(d.memoryTotalBytes(), "" + d.index(), d.uuid(), d.name());
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("vigil_gpu_utilization_ratio").help("Share of the last sample period the GPU was busy, per device (NVML)")
                .labelNames("gpu", "uuid", "name").callback(cb -> gpus().devices().forEach(d -> {
                    if (d.utilizationGpuPercent() != null) {
                        cb.call(d.utilizationGpuPercent() / 100.0, "" + d.index(), d.uuid(), d.name());
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("vigil_gpu_temperature_celsius").help("GPU temperature, per device (NVML)")
                .labelNames("gpu", "uuid", "name").callback(cb -> gpus().devices().forEach(d -> {
                    if (d.temperatureC() != null) {
                        cb.call(d.temperatureC(), "" + d.index(), d.uuid(), d.name());
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("vigil_gpu_power_watts").help("GPU power draw, per device (NVML)")
                .labelNames("gpu", "uuid", "name").callback(cb -> gpus().devices().forEach(d -> {
                    if (d.powerWatts() != null) {
                        cb.call(d.powerWatts(), "" + d.index(), d.uuid(), d.name());
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("vigil_gpu_clock_mhz").help("GPU clocks (sm, memory), per device (NVML)")
                .labelNames("gpu", "uuid", "name", "clock").callback(cb -> gpus().devices().forEach(d -> {
                    if (d.smClockMhz() != null) {
                        cb.call(d.smClockMhz(), "" + d.index(), d.uuid(), d.name(), "sm");
                    }
                    if (d.memoryClockMhz() != null) {
                        cb.call(d.memoryClockMhz(), "" + d.index(), d.uuid(), d.name(), "memory");
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("vigil_gpu_ecc_errors").help("Volatile ECC errors since the driver loaded, per device and kind (NVML)")
                .labelNames("gpu", "uuid", "name", "kind").callback(cb -> gpus().devices().forEach(d -> {
                    if (d.eccCorrected() != null) {
                        cb.call(d.eccCorrected(), "" + d.index(), d.uuid(), d.name(), "corrected");
                    }
                    if (d.eccUncorrected() != null) {
                        cb.call(d.eccUncorrected(), "" + d.index(), d.uuid(), d.name(), "uncorrected");
                    }
                })).register(registry);
        batchFailures = Counter.builder().name("vigil_batch_failures_total")
                .help("Model batches that failed (the model threw or answered the wrong count)").register(registry);
        GaugeWithCallback.builder().name("vigil_queue_depth").help("Requests waiting now, per queue: decode, then each classifier model's batcher")
                .labelNames("queue").callback(cb -> queues.get().get().forEach((queue, depth) -> cb.call(depth, queue))).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("vigil_dropped_total")
                .help("Requests dropped because nobody waited for the verdict any more (answered at the deadline, cancelled, connection closed),"
                        + " by the stage that dropped them: decode (before decoding), batch (out of a model's queue), signal (before a further signal)")
                .labelNames("stage").callback(cb -> {
                    var g = gate.get();
                    if (g != null) {
                        g.dropped().forEach((stage, n) -> cb.call(n, stage));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_gate_pending_requests").help("Requests the gate has taken on and not finished (admission's queue)")
                .callback(cb -> {
                    var g = gate.get();
                    if (g != null) {
                        cb.call(g.load().pending());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_gate_service_gap_seconds")
                .help("Measured time between completions under load: admission's estimate of a queue's wait is the queue times this")
                .unit(Unit.SECONDS).callback(cb -> {
                    var g = gate.get();
                    if (g != null) {
                        cb.call(g.load().serviceGapMillis() / 1000.0);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_gate_service_overhead_seconds")
                .help("How much longer than the queue's wait served requests took (their own decoding and inference): admission adds it to every estimate")
                .unit(Unit.SECONDS).callback(cb -> {
                    var g = gate.get();
                    if (g != null) {
                        cb.call(g.load().overheadMillis() / 1000.0);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_memory_budget_held_bytes").unit(Unit.BYTES)
                .help("Bytes held by requests in every state (bodies and frames in transit, queued images, decoded pixels) against the memory budget")
                .callback(cb -> {
                    var d = frontDoor.get();
                    if (d != null) {
                        cb.call(d.budget().held());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_memory_budget_limit_bytes").unit(Unit.BYTES).help("The memory budget (--memory-budget)")
                .callback(cb -> {
                    var d = frontDoor.get();
                    if (d != null) {
                        cb.call(d.budget().limit());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_connections_open").help("Open connections over every listener")
                .callback(cb -> {
                    var d = frontDoor.get();
                    if (d != null) {
                        cb.call(d.connections());
                    }
                }).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("vigil_connections_refused_total")
                .help("Connections refused because --max-connections were open").callback(cb -> {
                    var d = frontDoor.get();
                    if (d != null) {
                        cb.call(d.refusedConnections());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_hash_list_entries").help("Entries of each hash list as loaded now")
                .labelNames("list").callback(cb -> {
                    var h = hashLists.get();
                    if (h != null) {
                        h.status().forEach(l -> cb.call(l.entries(), l.name()));
                    }
                }).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("vigil_hash_list_reloads_refused_total")
                .help("Hash list reloads refused because the list would have shrunk by more than --hash-max-shrink without the operator's acceptance;"
                        + " the last good version serves on").callback(cb -> {
                    var h = hashLists.get();
                    if (h != null) {
                        cb.call(h.refusedReloads());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vigil_in_flight_requests").help("Requests being served now, per transport")
                .labelNames("transport").callback(cb -> inFlight.forEach((transport, n) -> cb.call(n.get(), transport))).register(registry);
        GaugeWithCallback.builder().name("vigil_javacpp_allocated_bytes").unit(Unit.BYTES)
                .help("Native memory JavaCPP tracks as allocated: OpenCV Mats, tensor buffers").callback(cb -> cb.call(Pointer.totalBytes())).register(registry);
        GaugeWithCallback.builder().name("vigil_javacpp_max_bytes").unit(Unit.BYTES)
                .help("JavaCPP's limit on the native memory it tracks (-Dorg.bytedeco.javacpp.maxBytes)").callback(cb -> cb.call(Pointer.maxBytes())).register(registry);
        GaugeWithCallback.builder().name("vigil_javacpp_physical_bytes").unit(Unit.BYTES)
                .help("Resident memory of the whole process as JavaCPP measures it (what -Dorg.bytedeco.javacpp.maxPhysicalBytes limits)")
                .callback(cb -> cb.call(Pointer.physicalBytes())).register(registry);
        if (jvm) {
            JvmMetrics.builder().register(registry);
        }
    }

    /** Counts one verdict answered over {@code transport} ({@link #HTTP} or {@link #BINARY}). */
    public void recordVerdict(Verdict v, String transport) {
        requests.labelValues(transport, v.decision().name(), v.rule()).inc();
        if ("error".equals(v.rule())) {
            int colon = v.reason().indexOf(':');
            verdictFailures.labelValues(colon > 0 ? v.reason().substring(0, colon) : "error").inc();
        }
        Verdict.Timings t = v.timings();
        long[] micros = {t.decodeMicros(), t.queueMicros(), t.inferenceMicros(), t.policyMicros(), t.totalMicros()};
        for (int i = 0; i < micros.length; i++) {
            stagePoints[i].observe(micros[i] / 1e6);
        }
        rate.record();
        latency.record(t.totalMicros());
        decisions.get(v.decision()).increment();
        if (v.failedClosed()) {
            failedClosed.increment();
        }
        models.addAll(v.models());
    }

    /**
     * Counts one request answered with an error instead of a verdict; {@code code} is the
     * protocol's error name ({@code BAD_REQUEST}, {@code OVERLOADED}, ...).
     */
    public void recordError(String code, String transport) {
        errors.labelValues(transport, code).inc();
        errorCounts.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    /** Adds {@code delta} (+1 when a request arrives, -1 when it is answered) to the transport's in-flight count. */
    public void inFlight(String transport, int delta) {
        inFlight.computeIfAbsent(transport, t -> new AtomicInteger()).addAndGet(delta);
    }

    /** For {@code Gate.builder().optBatchListener(...)}: batch sizes, queue waits, model time, failures. */
    public BatchListener batchListener() {
        return batchListener;
    }

    /**
     * Where {@code vigil_queue_depth} reads the queues from, on every scrape and status read;
     * typically {@code gate::queueDepths}. Replaces the previous source.
     */
    public void watchQueues(Supplier<Map<String, Integer>> depths) {
        queues.set(depths);
    }

    /** Reads the gate's queues, drops and admission load on every scrape. */
    public void watchGate(dev.vigil.engine.Gate g) {
        queues.set(g::queueDepths);
        gate.set(g);
    }

    /** Reads the listeners' connections and the memory budget on every scrape. */
    public void watchFrontDoor(dev.vigil.server.FrontDoor d) {
        frontDoor.set(d);
    }

    /** Reads the audit log's counts and last checkpoint on every scrape, and times its fsyncs. */
    public void watchAudit(dev.vigil.audit.AuditLog log) {
        audit.set(log);
        var fsync = auditFsyncSeconds.labelValues();
        log.onFsync(nanos -> fsync.observe(nanos / 1e9));
    }

    private final AtomicReference<java.util.function.Supplier<dev.vigil.gpu.GpuInventory>> gpuSource =
            new AtomicReference<>(dev.vigil.gpu.GpuInventory::read);
    private volatile dev.vigil.gpu.GpuInventory noGpu;

    /** The GPUs now: read on each scrape while a driver answers; once a host is seen to have none, not asked again. */
    private dev.vigil.gpu.GpuInventory gpus() {
        dev.vigil.gpu.GpuInventory none = noGpu;
        if (none != null) {
            return none;
        }
        dev.vigil.gpu.GpuInventory inv = gpuSource.get().get();
        if (inv.unavailable() != null) {
            noGpu = inv;
        }
        return inv;
    }

    /** Where the GPU gauges read from (default: this host's NVML); for tests, recorded answers. */
    public void watchGpus(java.util.function.Supplier<dev.vigil.gpu.GpuInventory> source) {
        gpuSource.set(source);
        noGpu = null;
    }

    /** The audit log watched, or null. */
    public dev.vigil.audit.AuditLog audit() {
        return audit.get();
    }

    /** Reads the hash lists' sizes and refused reloads on every scrape. */
    public void watchHashLists(dev.vigil.engine.hash.HashListRegistry registry) {
        hashLists.set(registry);
    }

    /** The registry behind {@code /metrics}, for further collectors. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** Writes every metric in the Prometheus text format ({@link #TEXT_CONTENT_TYPE}). */
    public void writeText(OutputStream out) throws IOException {
        textWriter.write(out, registry.scrape());
    }

    /** The numbers of the status page, read now. */
    public LiveStatus status() {
        Map<Decision, Long> byDecision = new EnumMap<>(Decision.class);
        long verdicts = 0;
        for (var e : decisions.entrySet()) {
            byDecision.put(e.getKey(), e.getValue().sum());
            verdicts += e.getValue().sum();
        }
        Map<String, Long> errorsByCode = new TreeMap<>();
        errorCounts.forEach((code, n) -> errorsByCode.put(code, n.sum()));
        Map<Integer, Long> sizes = new LinkedHashMap<>();
        long batches = 0;
        for (int size = 1; size <= MAX_TRACKED_BATCH; size++) {
            long n = batchSizes.get(size);
            if (n > 0) {
                sizes.put(size, n);
                batches += n;
            }
        }
        Map<String, Integer> flying = new TreeMap<>();
        inFlight.forEach((transport, n) -> flying.put(transport, n.get()));
        List<Long> history = new ArrayList<>();
        for (long n : rate.history()) {
            history.add(n);
        }
        return new LiveStatus(Duration.ofNanos(nanoClock.getAsLong() - startNanos), rate.perSecond(10), rate.perSecond(60),
                Collections.unmodifiableList(history), latency.snapshot(), verdicts, Collections.unmodifiableMap(byDecision), failedClosed.sum(),
                Collections.unmodifiableMap(errorsByCode), batches, Collections.unmodifiableMap(sizes), Collections.unmodifiableMap(flying),
                Collections.unmodifiableMap(new LinkedHashMap<>(queues.get().get())), Set.copyOf(models), Pointer.totalBytes(), Pointer.physicalBytes());
    }

    private void onBatch(int size, long oldestQueuedNanos, long processingNanos, boolean failed) {
        batchSize.observe(size);
        batchQueueWait.observe(oldestQueuedNanos / 1e9);
        batchDuration.observe(processingNanos / 1e9);
        if (failed) {
            batchFailures.inc();
        }
        batchSizes.incrementAndGet(Math.min(Math.max(size, 0), MAX_TRACKED_BATCH));
    }
}
