package dev.vigil.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.engine.Gate;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.ImageFormat;
import dev.vigil.engine.model.Precision;
import dev.vigil.engine.model.Preprocessing;
import dev.vigil.engine.model.SessionOptions;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import dev.vigil.engine.MemoryBudget;
import dev.vigil.engine.face.ProtectedPeople;
import dev.vigil.engine.hash.HashListRegistry;
import dev.vigil.server.Auditor;
import dev.vigil.server.FrontDoor;
import dev.vigil.server.ListenerPolicy;
import dev.vigil.server.http.HttpServer;
import dev.vigil.server.metrics.VigilMetrics;
import java.net.InetSocketAddress;
import dev.vigil.protocol.FrameLayout;
import dev.vigil.server.TlsConfig;
import dev.vigil.server.Transport;
import dev.vigil.server.VigilServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vigil serve}: loads the models and policies, starts the protocol server and waits;
 * SIGTERM or SIGINT stops it gracefully (GOAWAY, in-flight requests finished within the
 * shutdown grace, then the gate closed). Every knob is a flag and may also be a key of the
 * {@code --config} YAML file; flags on the command line win over the file.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the gate over Vigil's binary protocol (server/PROTOCOL.md) on loopback.",
                "Every option may also be set in a YAML file given with --config, as 'name: value' with the option's name without its dashes."})
public final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML file of options, e.g. 'port: 7461' and 'tls-cert: /etc/vigil/cert.pem'; options given on the command line win.")
    Path config;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address the TCP listeners bind to (default: ${DEFAULT-VALUE}, loopback only; 0.0.0.0 for every interface).")
    String bind;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + VigilServer.DEFAULT_PORT,
            description = "TCP port of the binary protocol (default: ${DEFAULT-VALUE}; 0 picks a free port, -1 turns TCP off).")
    int port;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "7462",
            description = "TCP port of HTTP: POST /v1/score, /healthz, /readyz, /metrics and the status page at / (default: ${DEFAULT-VALUE}; 0 picks a free port, -1 turns HTTP off).")
    int httpPort;

    @Option(names = "--socket", paramLabel = "PATH",
            description = "Also listen on this Unix domain socket (default: none). A stale socket file there is replaced.")
    Path socket;

    @Option(names = "--transport", paramLabel = "auto|epoll|nio", defaultValue = "auto",
            description = "Network transport: native epoll where available, else Java NIO (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--io-threads", paramLabel = "N", description = "Event loop threads for connections (default: one per core).")
    Integer ioThreads;

    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "" + VigilServer.DEFAULT_MAX_IN_FLIGHT,
            description = "Most requests in flight across all connections; beyond it, OVERLOADED (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--max-in-flight-per-connection", paramLabel = "N", defaultValue = "" + VigilServer.DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION,
            description = "Most requests in flight on one connection, announced in HELLO_OK; beyond it, OVERLOADED and reads pause (default: ${DEFAULT-VALUE}).")
    int maxInFlightPerConnection;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "" + ListenerPolicy.DEFAULT_MAX_CONNECTIONS,
            description = "Most open connections over every listener (binary and HTTP); one more is answered OVERLOADED (HTTP 503) and closed (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--memory-budget", paramLabel = "BYTES",
            description = "Bytes requests may hold at once in every state: unfinished bodies and frames, queued images, decoded pixels;"
                    + " beyond it new work is refused with a retryable OVERLOADED (HTTP 503). At most 60%% of the JVM's heap"
                    + " (default: " + MemoryBudget.DEFAULT_LIMIT + ", or 60%% of a smaller heap).")
    Long memoryBudget;

    @Option(names = "--request-read-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "A request (HTTP headers and body, a binary frame, the HELLO from connecting) must arrive within this long of its first byte;"
                    + " slower senders are closed (default: ${DEFAULT-VALUE}).")
    Duration requestReadTimeout;

    @Option(names = "--allow-unauthenticated",
            description = "Allow binding a non-loopback address (--bind) without a token; logged as a warning. Without it, such a start is refused.")
    boolean allowUnauthenticated;

    @Option(names = "--max-frame", paramLabel = "BYTES", defaultValue = "" + FrameLayout.DEFAULT_MAX_FRAME,
            description = "Largest frame accepted (its length field); a larger one is refused from its header and the connection closed (default: ${DEFAULT-VALUE}).")
    int maxFrame;

    @Option(names = "--max-image-bytes", paramLabel = "BYTES", defaultValue = "" + FrameLayout.DEFAULT_MAX_IMAGE_BYTES,
            description = "Largest encoded or raw image; larger ones get BAD_REQUEST (default: ${DEFAULT-VALUE}).")
    int maxImageBytes;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "120s", converter = DurationConverter.class,
            description = "Close a connection after this long with nothing in flight and no traffic, with GOAWAY (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "On SIGTERM/SIGINT, how long requests in flight may finish before they are answered SHUTTING_DOWN (default: ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
            description = "Deadline of a request that sets none (timeout_ms 0); past it the verdict is a fail-closed BLOCK (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--max-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "Largest deadline a request may ask for; more is BAD_REQUEST (default: ${DEFAULT-VALUE}).")
    Duration maxTimeout;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve TLS with this certificate chain (PEM); needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key of --tls-cert (PEM, unencrypted PKCS#8).")
    Path tlsKey;

    @Option(names = "--tls-client-ca", paramLabel = "PEM",
            description = "Require client certificates signed by these CAs (PEM): mutual TLS. Needs --tls-cert.")
    Path tlsClientCa;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Require this token on every listener: in every HELLO, and as 'Authorization: Bearer TOKEN' on HTTP (all but /healthz and /readyz);"
                    + " visible to other local users in the process list: prefer --token-file.")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Require the token in this file (first line) on every listener, as --token.")
    Path tokenFile;

    @Option(names = "--policies", paramLabel = "FILE",
            description = "Policy file (YAML, grammar in the shipped policies.yaml); default: the shipped policies, default policy 'strict'.")
    Path policies;

    @Option(names = "--hash-lists", paramLabel = "DIR",
            description = "Folder of PDQ hash lists (NAME.tsv/.csv/.txt; ./vigil hashes manages them); an edited list is reloaded, and a new one"
                    + " picked up, without a restart (within 5 s, or at once on SIGHUP) (default: <cache>/hash-lists).")
    Path hashListsDir;

    @Option(names = "--hash-distance", paramLabel = "BITS", defaultValue = "31",
            description = "Largest Hamming distance between an image's PDQ hash (or one of its 8 rotations/flips) and a listed hash "
                    + "that counts as a match (default: ${DEFAULT-VALUE}).")
    int hashDistance;

    @Option(names = "--hash-max-shrink", paramLabel = "SHARE", defaultValue = "" + HashListRegistry.DEFAULT_MAX_SHRINK,
            description = {"Largest share of its entries a hash list may lose in one reload (0-1, default: ${DEFAULT-VALUE}).",
                    "A list emptied or shrunk further keeps its last good version, with a warning and vigil_hash_list_reloads_refused_total,"
                            + " until ./vigil hashes accept --list NAME."})
    double hashMaxShrink;

    @Option(names = "--protected-people", paramLabel = "FILE",
            description = "The protected-people registry (./vigil people manages it; default: <cache>/protected-people.json).")
    Path protectedPeopleFile;

    @Option(names = "--fetch", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Fetch and import missing default models before starting (default: on; with --no-fetch a missing model is an error).")
    boolean fetchMissing = true;

    @Option(names = "--repository", paramLabel = "DIR",
            description = "Model repository (default: $VIGIL_MODEL_REPOSITORY, else ~/.cache/vigil/models).")
    Path repository;

    @Option(names = "--classifier", paramLabel = "MODEL", defaultValue = "nsfw-mobilenet-v2-mid",
            description = "Classifier behind sexual, suggestive and drawing, unless a policy names its own (default: ${DEFAULT-VALUE}).")
    String classifier;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "" + BatchingConfig.DEFAULT_MAX_BATCH_SIZE,
            description = "Most images per model batch (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-queue-delay", paramLabel = "DURATION", defaultValue = "2ms", converter = DurationConverter.class,
            description = "How long the oldest queued image waits for others to join its batch (default: ${DEFAULT-VALUE}; 0 never waits).")
    Duration maxQueueDelay;

    @Option(names = "--queue-capacity", paramLabel = "N", defaultValue = "" + BatchingConfig.DEFAULT_QUEUE_CAPACITY,
            description = "Images waiting per model; when full, requests fail closed as overloaded (default: ${DEFAULT-VALUE}).")
    int queueCapacity;

    @Option(names = "--decode-threads", paramLabel = "N", description = "Threads decoding images (default: one per core).")
    Integer decodeThreads;

    @Option(names = "--decode-queue", paramLabel = "N", defaultValue = "1024",
            description = "Images waiting to be decoded; when full, requests fail closed as overloaded (default: ${DEFAULT-VALUE}).")
    int decodeQueue;

    @Option(names = "--concurrent-batches", paramLabel = "N",
            description = {"Batches of one model that may run at once, each on its own thread (default: one per core, at most "
                    + BatchingConfig.MAX_DEFAULT_CONCURRENT_BATCHES + ").",
                    "On 2 cores two batches on one thread each gave 1.2x (batch 16) to 2x (batch 1) the images/s of one batch on two threads (bench/README.md, Threads)."})
    Integer concurrentBatches;

    @Option(names = "--intra-op-threads", paramLabel = "N",
            description = "TensorFlow threads one operation may use (default: cores / --concurrent-batches, at least 1).")
    Integer intraOpThreads;

    @Option(names = "--bf16", paramLabel = "MODEL", split = ",",
            description = {"Run these models in bfloat16 through oneDNN (repeatable or comma-separated; default: none, every model FP32).",
                    "About 1.7-2x the images/s of FP32 for nsfw-mobilenet-v2-mid on an AVX512_BF16 CPU, probabilities within 0.05"
                            + " on the reference photos (bench/README.md, ./vigil bench precision); refused on a CPU without bfloat16 support."})
    List<String> bf16Models = new ArrayList<>();

    @Option(names = "--preprocessing", paramLabel = "auto|native|java", defaultValue = "auto", converter = PreprocessingConverter.class,
            description = {"Which code resizes and normalises images into the models' inputs (default: ${DEFAULT-VALUE}: the native"
                    + " kernel, AVX2 or AVX-512 as the CPU allows, where it loads, else Java).",
                    "Both give the same floats to the bit; native refuses to start where the kernel cannot load."})
    Preprocessing preprocessing = Preprocessing.AUTO;

    @Option(names = "--device", paramLabel = "cpu|gpu:N", defaultValue = "cpu", converter = DeviceConverter.class,
            description = {"Where the models run (default: ${DEFAULT-VALUE}). gpu:N needs that GPU (see vigil gpu) and the GPU build"
                    + " of TensorFlow (mvn -Pgpu); refused at start otherwise, saying which is missing.",
                    "On a GPU, batches are padded to a power of two (a fixed set of shapes); give it larger batches with --max-batch 64."})
    dev.vigil.engine.model.Device device = dev.vigil.engine.model.Device.CPU;

    /** {@code cpu} or {@code gpu:N}, with the message {@link dev.vigil.engine.model.Device#parse} gives. */
    static final class DeviceConverter implements picocli.CommandLine.ITypeConverter<dev.vigil.engine.model.Device> {
        @Override
        public dev.vigil.engine.model.Device convert(String value) {
            try {
                return dev.vigil.engine.model.Device.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code auto}, {@code native} or {@code java}, with the message {@link Preprocessing#parse} gives. */
    static final class PreprocessingConverter implements picocli.CommandLine.ITypeConverter<Preprocessing> {
        @Override
        public Preprocessing convert(String value) {
            try {
                return Preprocessing.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @picocli.CommandLine.Mixin
    AuditOptions audit = new AuditOptions();

    @Override
    public Integer call() throws Exception {
        ServeCommand effective = config == null ? this : withConfig();
        Running running = effective.start();
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM and SIGINT stop gracefully and exit 0 after a clean drain; SIGHUP reloads
        Signals.onStop(signal -> {
            running.log.printf(Locale.ROOT, "vigil: SIG%s: stopping%n", signal);
            running.stop();
            stopped.countDown();
        });
        Signals.onReload(() -> running.reload());
        // a stop by other means (System.exit, the JVM shutting down) still drains
        Thread hook = new Thread(() -> {
            if (stopped.getCount() > 0) {
                running.stop();
            }
        }, "vigil-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // already running: it finds the work done
        }
        return running.cleanDrain ? 0 : 1;
    }

    /** This command's options with {@code --config}'s keys filling in those not given on the command line. */
    ServeCommand withConfig() {
        List<String> args = new ArrayList<>(configArgs());
        for (OptionSpec given : spec.commandLine().getParseResult().matchedOptions()) {
            for (String value : given.originalStringValues()) {
                args.add(given.longestName() + "=" + value);
            }
        }
        ServeCommand effective = new ServeCommand();
        CommandLine cli = new CommandLine(effective);
        cli.setOut(spec.commandLine().getOut());
        cli.setErr(spec.commandLine().getErr());
        cli.parseArgs(args.toArray(String[]::new));
        return effective;
    }

    private List<String> configArgs() {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(config.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(config + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(config + ": " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return List.of();
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(config + ": " + root.getNodeType() + " (expected: a map of option names to values)");
        }
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String key = e.getKey();
            OptionSpec option = spec.findOption("--" + key);
            if (option == null || key.equals("config") || key.equals("help") || key.equals("version")) {
                TreeSet<String> known = new TreeSet<>();
                spec.options().forEach(o -> known.add(o.longestName().replaceFirst("^--", "")));
                known.removeAll(List.of("config", "help", "version"));
                throw new IllegalArgumentException(config + ": " + key + " (expected one of: " + String.join(", ", known) + ")");
            }
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new IllegalArgumentException(config + ": " + key + ": " + e.getValue() + " (expected: a single value)");
            }
            if (!spec.commandLine().getParseResult().hasMatchedOption(option)) {
                args.add("--" + key + "=" + e.getValue().asText());
            }
        }
        return args;
    }

    /** What {@link #start()} started: stopped together, listeners first. */
    static final class Running {
        final VigilServer server;
        final HttpServer http;
        final Gate gate;
        final dev.vigil.audit.AuditLog auditLog;
        final PrintWriter log;
        final Runnable reloader;
        volatile boolean cleanDrain = true;
        private boolean stopped;

        Running(VigilServer server, HttpServer http, Gate gate, dev.vigil.audit.AuditLog auditLog, PrintWriter log, Runnable reloader) {
            this.server = server;
            this.http = http;
            this.gate = gate;
            this.auditLog = auditLog;
            this.log = log;
            this.reloader = reloader;
        }

        /**
         * PROTOCOL.md's order: every listener closes first (no new connection anywhere), then
         * GOAWAY on every binary connection and 503 SHUTTING_DOWN for new HTTP requests, then the
         * work in flight drains within the grace, on both at once; then the gate closes.
         */
        synchronized void stop() {
            if (stopped) {
                return;
            }
            stopped = true;
            long t0 = System.nanoTime();
            server.frontDoor().startStopping();
            server.closeListeners();
            if (http != null) {
                http.closeListener();
            }
            int inFlight = server.inFlight();
            log.printf(Locale.ROOT, "vigil: stopping: listeners closed; GOAWAY to %d connection(s), %d request(s) in flight%n",
                    server.connections(), inFlight);
            Thread httpDrain = null;
            if (http != null) {
                httpDrain = new Thread(http::close, "vigil-http-drain");
                httpDrain.start();
            }
            server.stop();
            if (httpDrain != null) {
                try {
                    httpDrain.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            cleanDrain = !server.cutOff() && (http == null || !http.cutOff());
            gate.close();
            if (auditLog != null) {
                // every answered verdict's record is in; the last checkpoint signs them all
                auditLog.close();
                var last = auditLog.lastCheckpoint();
                log.printf(Locale.ROOT, "vigil: audit log closed: %d record(s), last checkpoint size %d root %s%n", auditLog.size(), last.size(), last.rootHex());
            }
            log.printf(Locale.ROOT, "vigil: stopped in %.1f s (%s)%n", (System.nanoTime() - t0) / 1e9,
                    cleanDrain ? "every request answered" : "requests cut off after the shutdown grace");
            log.flush();
        }

        /** SIGHUP: hash lists, policies and the protected-people registry read again. */
        void reload() {
            try {
                reloader.run();
            } catch (RuntimeException e) {
                log.printf(Locale.ROOT, "vigil: reload failed, serving on with what was loaded: %s%n", e.getMessage());
                log.flush();
            }
        }
    }

    /** The share of the JVM's heap the memory budget may take; the rest is for the models' Java side, buffers and garbage. */
    static final double BUDGET_HEAP_SHARE = 0.6;

    /**
     * The memory budget to serve with: the one given, unless the heap cannot hold it (requests
     * would then take the process down instead of being refused), which is refused at start
     * naming the flag, the value and the limit; none given, the default, or less on a small heap.
     */
    static long budgetFittingHeap(Long budget, long maxHeap) {
        long limit = (long) (maxHeap * BUDGET_HEAP_SHARE);
        if (budget == null) {
            return Math.min(MemoryBudget.DEFAULT_LIMIT, limit);
        }
        if (budget > limit) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "memory-budget: %d bytes (expected: <= %d, %.0f%% of the JVM's %d MiB heap; give the JVM more with VIGIL_JAVA_OPTS=-Xmx...)",
                    budget, limit, BUDGET_HEAP_SHARE * 100, maxHeap >> 20));
        }
        return budget;
    }

    /** Loads everything and starts listening; one log line per step. */
    Running start() {
        PrintWriter log = spec.commandLine().getErr();
        // every flag is checked before the models load, so that a typo fails in milliseconds
        InetAddress address = address();
        TlsConfig tls = tls();
        String requiredToken = requiredToken();
        Transport chosen = transport();
        ListenerPolicy.Builder rules = ListenerPolicy.builder()
                .token(requiredToken)
                .allowUnauthenticated(allowUnauthenticated)
                .tls(tls)
                .maxConnections(maxConnections)
                .maxInFlight(maxInFlight)
                .maxInFlightPerConnection(maxInFlightPerConnection)
                .maxImageBytes(maxImageBytes)
                .maxFrame(maxFrame)
                .memoryBudget(budgetFittingHeap(memoryBudget, Runtime.getRuntime().maxMemory()))
                .defaultTimeout(timeout)
                .maxTimeout(maxTimeout)
                .idleTimeout(idleTimeout)
                .requestReadTimeout(requestReadTimeout)
                .shutdownGrace(shutdownGrace);
        if (ioThreads != null) {
            rules.ioThreads(ioThreads);
        }
        ListenerPolicy policy = rules.build();
        if (policy.checkExposure(address, "bind")) {
            log.printf(Locale.ROOT, "vigil: WARNING: serving %s without a token (--allow-unauthenticated): anyone who reaches this address can score%n",
                    address.getHostAddress());
        }
        MemoryBudget budget = new MemoryBudget(policy.memoryBudget());
        VigilPaths paths = VigilPaths.resolve(null, repository);
        // opened before the models load, so that an unwritable directory or a refused key fails in milliseconds
        dev.vigil.audit.AuditLog auditLog = audit.open(paths, log);
        int cores = Runtime.getRuntime().availableProcessors();
        int batchesAtOnce = concurrentBatches != null ? concurrentBatches : BatchingConfig.defaultConcurrentBatches(cores);
        BatchingConfig batching = new BatchingConfig(maxBatch, maxQueueDelay, queueCapacity, BatchingConfig.DEFAULT_CLOSE_TIMEOUT, batchesAtOnce);
        SessionOptions threads = SessionOptions.forConcurrentBatches(cores, batchesAtOnce);
        if (intraOpThreads != null) {
            threads = new SessionOptions(intraOpThreads, threads.interOpThreads());
        }
        Gate.Builder gateOptions = Gate.builder()
                .optClassifier(classifier)
                .optBatching(batching)
                .optDecodeLimits(new DecodeLimits(maxImageBytes, DecodeLimits.DEFAULT_MAX_PIXELS, DecodeLimits.DEFAULT_MAX_SIDE,
                        EnumSet.allOf(ImageFormat.class)))
                .optDecodeThreads(decodeThreads != null ? decodeThreads : cores, decodeQueue)
                .optSessionOptions(threads)
                .optPreprocessing(preprocessing)
                .optDevice(device)
                .optMemoryBudget(budget)
                .optTimeout(timeout);
        bf16Models.forEach(model -> gateOptions.optPrecision(model, Precision.BF16));

        PolicySet policySet = policies != null ? PolicySet.load(policies) : PolicySet.defaults();
        log.printf(Locale.ROOT, "vigil: policies %s (version %s): %s; default %s%n", policySet.origin(), policySet.version(),
                String.join(", ", policySet.names()), policySet.defaultPolicy().name());
        gateOptions.optPolicies(policySet);
        ModelRepository models = new ModelRepository(paths.repository());
        gateOptions.optRepository(models);
        if (fetchMissing) {
            CliSupport.importMissingDefaults(paths, models, log);
        }
        Auditor auditor = audit.auditor(auditLog, models, log);
        FrontDoor frontDoor = new FrontDoor(policy, budget, auditor);
        VigilServer.Builder options = VigilServer.builder()
                .optTcp(address, port)
                .optUnixSocket(socket)
                .optTransport(chosen)
                .optFrontDoor(frontDoor);
        Path lists = hashListsDir != null ? hashListsDir : CliSupport.hashListsDir(paths);
        var hashLists = CliSupport.hashLists(lists, hashDistance, hashMaxShrink);
        gateOptions.optHashLists(hashLists);
        Path people = protectedPeopleFile != null ? protectedPeopleFile : CliSupport.protectedPeopleFile(paths);
        var registry = CliSupport.protectedPeople(people);
        gateOptions.optProtectedPeople(registry);
        log.printf(Locale.ROOT, "vigil: hash lists from %s: %d list(s), %d hash(es); protected people from %s: %d enrolment(s)%n",
                lists, hashLists.status().size(), hashLists.status().stream().mapToLong(l -> l.entries()).sum(), people, registry.list().size());
        log.printf(Locale.ROOT, "vigil: loading models from %s (classifier %s, batches of up to %d, %d at once per model, %d decode thread(s),"
                        + " TensorFlow %d intra-op / %d inter-op thread(s), bfloat16: %s) and warming up%n",
                paths.repository(), classifier, maxBatch, batchesAtOnce, decodeThreads != null ? decodeThreads : cores, threads.intraOpThreads(),
                threads.interOpThreads(), bf16Models.isEmpty() ? "none" : String.join(", ", bf16Models));
        VigilMetrics metrics = new VigilMetrics();
        metrics.watchHashLists(hashLists);
        metrics.watchFrontDoor(frontDoor);
        gateOptions.optBatchListener(metrics.batchListener());
        if (auditLog != null) {
            metrics.watchAudit(auditLog);
            gateOptions.optEvidence(true); // the records carry the images' hashes
        }
        long t0 = System.nanoTime();
        Gate gate;
        try {
            gate = gateOptions.build();
        } catch (RuntimeException e) {
            if (auditLog != null) {
                auditLog.close();
            }
            throw e;
        }
        log.printf(Locale.ROOT, "vigil: models ready in %.1f s on %s; preprocessing: %s%n", (System.nanoTime() - t0) / 1e9, device,
                Preprocessing.describe(gate.preprocessing()));
        VigilServer server;
        try {
            server = options.setGate(gate).optMetrics(metrics).build().start();
        } catch (RuntimeException e) {
            gate.close();
            if (auditLog != null) {
                auditLog.close();
            }
            throw e;
        }
        HttpServer http = null;
        if (httpPort >= 0) {
            try {
                http = HttpServer.start(gate, metrics, new InetSocketAddress(address, httpPort), frontDoor);
            } catch (RuntimeException e) {
                server.stop();
                gate.close();
                if (auditLog != null) {
                    auditLog.close();
                }
                throw e;
            }
        }
        String security = (tls == null ? "plain" : tls.clientCa() != null ? "TLS, client certificates required" : "TLS")
                + (requiredToken != null ? ", token required" : ", no token");
        if (server.tcpAddress() != null) {
            log.printf(Locale.ROOT, "vigil: listening on tcp %s:%d (%s, %s)%n", server.tcpAddress().getAddress().getHostAddress(),
                    server.tcpAddress().getPort(), server.transport().name().toLowerCase(Locale.ROOT), security);
        }
        if (server.unixSocket() != null) {
            log.printf(Locale.ROOT, "vigil: listening on unix %s (%s, %s)%n", server.unixSocket(), server.transport().name().toLowerCase(Locale.ROOT), security);
        }
        if (http != null) {
            log.printf(Locale.ROOT, "vigil: http on %s://%s:%d/ (%s; POST /v1/score, /healthz, /readyz, /metrics, status page at /)%n",
                    tls == null ? "http" : "https", http.address().getAddress().getHostAddress(), http.address().getPort(), security);
        }
        log.printf(Locale.ROOT, "vigil: ready (every listener: max %d connections, %d in flight, %d per connection, memory budget %d MiB;"
                        + " deadline %s, request read %s, idle close %s, shutdown grace %s)%n", maxConnections, maxInFlight, maxInFlightPerConnection,
                policy.memoryBudget() >> 20, DurationConverter.format(timeout), DurationConverter.format(requestReadTimeout), DurationConverter.format(idleTimeout),
                DurationConverter.format(shutdownGrace));
        log.flush();
        return new Running(server, http, gate, auditLog, log, () -> reload(gate, hashLists, registry, log));
    }

    /** SIGHUP: the hash lists, the protected-people registry and (from --policies) the policies, read again. */
    private void reload(Gate gate, HashListRegistry lists, ProtectedPeople people, PrintWriter log) {
        lists.refresh();
        people.reload();
        String policiesNote = "shipped policies unchanged";
        if (policies != null) {
            PolicySet set = PolicySet.load(policies);
            gate.replacePolicies(set);
            policiesNote = "policies " + set.origin() + " version " + set.version() + ": " + String.join(", ", set.names());
        }
        log.printf(Locale.ROOT, "vigil: SIGHUP: reloaded: hash lists %d list(s), %d hash(es); protected people %d enrolment(s); %s%n",
                lists.status().size(), lists.status().stream().mapToLong(l -> l.entries()).sum(), people.list().size(), policiesNote);
        log.flush();
    }

    private InetAddress address() {
        try {
            return InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bind: " + bind + " (expected: an IP address or a resolvable host name)");
        }
    }

    private Transport transport() {
        try {
            return Transport.valueOf(transport.toUpperCase(Locale.ROOT)).resolve();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("transport: " + transport + " (expected: auto, epoll or nio)");
        }
    }

    private TlsConfig tls() {
        if (tlsCert == null && tlsKey == null) {
            if (tlsClientCa != null) {
                throw new IllegalArgumentException("tls-client-ca: " + tlsClientCa + " (expected: with --tls-cert and --tls-key)");
            }
            return null;
        }
        if (tlsCert == null || tlsKey == null) {
            throw new IllegalArgumentException((tlsCert == null ? "tls-cert" : "tls-key") + ": missing (expected: --tls-cert and --tls-key together)");
        }
        return new TlsConfig(tlsCert, tlsKey, tlsClientCa);
    }

    private String requiredToken() {
        if (token != null && tokenFile != null) {
            throw new IllegalArgumentException("token-file: " + tokenFile + " (expected: either --token or --token-file, not both)");
        }
        if (tokenFile == null) {
            return token;
        }
        try {
            String first = Files.readAllLines(tokenFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
            if (first.isEmpty()) {
                throw new IllegalArgumentException("token-file: " + tokenFile + " (expected: the token on its first line)");
            }
            return first;
        } catch (IOException e) {
            throw new IllegalArgumentException("token-file: " + tokenFile + ": " + e.getMessage());
        }
    }

    /** Durations as people write them: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 90d}, or ISO-8601 ({@code PT5S}). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h|d)");

        @Override
        public Duration convert(String value) {
            Matcher m = SIMPLE.matcher(value.trim());
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofHours(n);
                };
            }
            if (value.trim().equals("0")) {
                return Duration.ZERO;
            }
            try {
                return Duration.parse(value.trim());
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' (expected: a duration such as 250ms, 5s, 2m or 1h)");
            }
        }

        static String format(Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
        }
    }
}
