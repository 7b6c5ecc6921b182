package dev.vigil.engine;

import dev.vigil.engine.batch.BatchListener;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.batch.BatcherClosedException;
import dev.vigil.engine.batch.DeadlineExceededException;
import dev.vigil.engine.batch.QueueFullException;
import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.ImageInput;
import dev.vigil.engine.image.Pixels;
import dev.vigil.engine.model.ModelSession;
import dev.vigil.engine.model.Precision;
import dev.vigil.engine.model.Preprocessing;
import dev.vigil.engine.model.SessionOptions;
import dev.vigil.engine.policy.Evaluation;
import dev.vigil.engine.policy.Policy;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.engine.policy.Signals;
import dev.vigil.engine.hash.HashListRegistry;
import dev.vigil.engine.signal.ClassifierSignals;
import dev.vigil.engine.signal.HashListSignals;
import dev.vigil.engine.signal.FaceService;
import dev.vigil.engine.signal.FaceSignals;
import dev.vigil.engine.signal.SourceMatchSignals;
import dev.vigil.engine.face.BlazeFaceDecoder;
import dev.vigil.engine.face.ProtectedPeople;
import dev.vigil.engine.signal.RequestContext;
import dev.vigil.engine.signal.SignalProvider;
import dev.vigil.engine.signal.SignalValues;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Vigil's classification core: image in, verdict out. {@link #score} decodes the image on a
 * bounded pool, then lets the request's policy ask for the signals its rules need, one rule at
 * a time; each signal comes from a {@link SignalProvider} (the NSFW classifier, batched across
 * requests per model). Whatever goes wrong (a corrupt image, a full queue, a model error, a
 * missed deadline) the verdict is BLOCK with the reason, unless the policy says
 * {@code on_error: allow}; {@link #score} itself only fails for a request that names an
 * unknown policy.
 * <p>
 * Built with {@link #builder()}: with no options it serves the default model repository with
 * the default policies ({@code strict}). Thread-safe: call {@link #score} from any number of
 * threads. Closing stops the providers (their batchers finish what they hold) and the decode
 * pool; a request scored after close fails closed.
 */
public final class Gate implements AutoCloseable {
    /** Replaced whole by {@link #replacePolicies}; each request reads it once. */
    private volatile PolicySet policies;
    private final ImageDecoder decoder;
    private final ThreadPoolExecutor decodePool;
    private final int decodeQueueCapacity;
    private final Map<String, SignalProvider> providerBySignal;
    /** Classifier model name to its provider; policies choose one, else {@link #defaultClassifier}. */
    private final Map<String, ClassifierSignals> classifiers;
    private final String defaultClassifier;
    private final List<SignalProvider> providers;
    private final Duration timeout;
    private final int reducedDecodeSide;
    /** Whether verdicts carry the images' digests ({@link Builder#optEvidence}). */
    private final boolean evidence;
    /** {@link Preprocessing#NATIVE} or {@link Preprocessing#JAVA}: what every model's input goes through. */
    private final Preprocessing preprocessing;
    private final GateAdmission admission;
    /** Requests dropped because nobody waited for them any more, by the stage that dropped them. */
    private final Map<String, java.util.concurrent.atomic.LongAdder> dropped = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;

    private Gate(Builder b, PolicySet policies, Map<String, ClassifierSignals> classifiers, List<SignalProvider> providers) {
        this.classifiers = Map.copyOf(classifiers);
        this.defaultClassifier = b.classifier;
        this.policies = policies;
        this.decoder = new ImageDecoder(b.decodeLimits);
        this.timeout = b.timeout;
        this.reducedDecodeSide = b.reducedDecodeSide;
        this.evidence = b.evidence;
        this.preprocessing = b.resolvedPreprocessing;
        this.providers = List.copyOf(providers);
        Map<String, SignalProvider> bySignal = new HashMap<>();
        for (SignalProvider p : providers) {
            for (String s : p.signals()) {
                bySignal.put(s, p);
            }
        }
        this.providerBySignal = Map.copyOf(bySignal);
        AtomicInteger threads = new AtomicInteger();
        this.decodeQueueCapacity = b.decodeQueueCapacity;
        this.admission = new GateAdmission(b.memoryBudget, b.decodeQueueCapacity);
        this.decodePool = new ThreadPoolExecutor(b.decodeThreads, b.decodeThreads, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(b.decodeQueueCapacity), r -> {
                    Thread t = new Thread(r, "vigil-decode-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
    }

    public static Builder builder() {
        return new Builder();
    }

    public PolicySet policies() {
        return policies;
    }

    /**
     * What preprocesses every model's input here: {@link Preprocessing#NATIVE} (the kernel) or
     * {@link Preprocessing#JAVA}; {@link Preprocessing#describe} says it in words.
     */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /**
     * Serves {@code set} from now on (SIGHUP). Requests already admitted finish under the policy
     * they started with. Refused, with the old set serving on, when the new one reads a signal or
     * names a classifier this gate did not load (that needs a restart).
     *
     * @throws GateException naming the policy and the signal or model it lacks
     */
    public void replacePolicies(PolicySet set) {
        Set<String> computed = new LinkedHashSet<>(ClassifierSignals.SIGNALS);
        computed.addAll(providerBySignal.keySet());
        for (String name : set.names()) {
            Policy p = set.policy(name);
            if (p.classifier() != null && !classifiers.containsKey(p.classifier())) {
                throw new GateException("policy " + name + ": classifier " + p.classifier() + " is not loaded (loaded: " + classifiers.keySet()
                        + "); restart to load it");
            }
            for (String signal : p.signals()) {
                if (!computed.contains(signal)) {
                    throw new GateException("policy " + name + " reads signal " + signal + ", which this gate does not compute (computed: "
                            + computed + "); restart to load what it needs");
                }
            }
        }
        this.policies = set;
    }

    /**
     * Requests waiting right now, per queue: {@code decode} (the decode pool's queue) and each
     * classifier model's batcher by model name. For metrics: a snapshot, cheap enough to read on
     * every scrape, stale as soon as it is returned.
     */
    public Map<String, Integer> queueDepths() {
        Map<String, Integer> depths = new LinkedHashMap<>();
        depths.put("decode", decodePool.getQueue().size());
        classifiers.forEach((model, signals) -> depths.put(model, signals.batcher().queueDepth()));
        return depths;
    }

    /**
     * Scores one image. The future completes with a verdict, or exceptionally with a
     * {@link dev.vigil.engine.policy.PolicyException} when the request names an unknown policy,
     * or with a retryable {@link OverloadedException} when the gate cannot take the request on
     * (it would not finish within the deadline, or the memory budget is spent): refused before
     * any work, never a BLOCK. Once admitted, every failure is a fail-closed verdict.
     * <p>
     * Cancelling the returned future (or its being answered at the deadline) withdraws the
     * request: it is dropped before decoding, before batching and before any further signal,
     * wherever it is by then ({@link #dropped()}).
     */
    public CompletableFuture<Verdict> score(ScoreRequest request) {
        long start = System.nanoTime();
        Policy policy;
        try {
            PolicySet set = policies;
            policy = request.policy() == null ? set.defaultPolicy() : set.policy(request.policy());
        } catch (GateException e) {
            return CompletableFuture.failedFuture(e);
        }
        String id = request.requestId() != null ? request.requestId() : UUID.randomUUID().toString();
        Duration limit = request.timeout() != null ? request.timeout() : timeout;
        long deadline = start + limit.toNanos();
        Attempt attempt = new Attempt(id, policy, start, deadline);
        if (closed) {
            return CompletableFuture.completedFuture(attempt.verdict(null, new GateClosedException()));
        }
        long bytes = heldBytes(request);
        GateAdmission.Ticket ticket;
        try {
            ticket = admission.admit(start, deadline, bytes);
        } catch (OverloadedException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Verdict> result = new CompletableFuture<>();
        result.whenComplete((v, e) -> attempt.answered = true);
        CompletableFuture<RequestContext> decoded;
        try {
            decoded = CompletableFuture.supplyAsync(() -> attempt.decode(request), decodePool);
        } catch (RejectedExecutionException e) {
            admission.finished(ticket, System.nanoTime(), 0);
            return CompletableFuture.failedFuture(new OverloadedException(
                    "decode queue: " + decodeQueueCapacity + " images waiting (expected: < " + decodeQueueCapacity + ")", Duration.ofSeconds(1)));
        }
        decoded.thenCompose(ctx -> attempt.evaluate())
                .orTimeout(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                .handle(attempt::verdict)
                .whenComplete((v, e) -> result.complete(v));
        // the request's memory and place are given back when its work has really ended: the
        // answer is out and nothing started for it still reads its pixels
        CompletableFuture.allOf(result.handle((v, e) -> null), decoded.handle((c, e) -> null))
                .whenComplete((nothing, e) -> attempt.release(() -> {
                    if (attempt.droppedAt != null) {
                        dropped.computeIfAbsent(attempt.droppedAt, k -> new java.util.concurrent.atomic.LongAdder()).increment();
                    }
                    admission.finished(ticket, System.nanoTime(), attempt.droppedAt == null ? attempt.answeredAt : 0);
                }));
        return result;
    }

    /**
     * Whether a request with this deadline would be refused for load if it arrived now, without
     * taking anything: the {@link OverloadedException} it would get, or null. Lets a transport
     * refuse before the request's body is sent (HTTP's {@code Expect: 100-continue}), so that
     * shedding load costs the headers, not the image. The memory budget is asked on admission.
     *
     * @param timeout the request's deadline from now, or null for the gate's default
     */
    public OverloadedException wouldRefuse(Duration timeout) {
        long now = System.nanoTime();
        return closed ? null : admission.wouldRefuse(now, now + (timeout != null ? timeout : this.timeout).toNanos());
    }

    /** What a request holds while in the gate: its encoded bytes, and its pixels once decoded (estimated from the header). */
    private static long heldBytes(ScoreRequest request) {
        return heldBytes(request.image()) + (request.source() == null ? 0 : heldBytes(request.source()));
    }

    private static long heldBytes(ImageInput input) {
        if (input instanceof dev.vigil.engine.image.EncodedImage e) {
            long decoded;
            try {
                dev.vigil.engine.image.ImageHeader h = dev.vigil.engine.image.ImageHeader.read(e.bytes());
                decoded = h.pixels() * Math.max(3, h.channels()) * (h.bitDepth() > 8 ? 2 : 1);
            } catch (RuntimeException unreadable) {
                decoded = 0; // refused when decoded, before any pixel is made
            }
            return e.bytes().length + decoded;
        }
        return ((dev.vigil.engine.image.RawImage) input).pixels().remaining();
    }

    /**
     * Requests dropped because nobody waited for their verdict any more (cancelled, answered at
     * the deadline, connection closed), by where: {@code decode} (before decoding),
     * {@code batch} (taken out of a model's queue), {@code signal} (before a further signal).
     * Counts since start; thread-safe snapshot.
     */
    public Map<String, Long> dropped() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        dropped.forEach((stage, n) -> counts.put(stage, n.sum()));
        return counts;
    }

    /** The gate's load as admission sees it. */
    public record Load(int pending, double serviceGapMillis, double overheadMillis, long bytesHeld, long bytesLimit) {
    }

    /**
     * Requests taken on and not finished, the measured gap between completions under load (0
     * until measured), how much longer than the queue's wait served requests took (a moving
     * average), and the memory budget held and its limit.
     */
    public Load load() {
        return new Load(admission.pending(), admission.gapMillis(), admission.overheadMillis(), admission.budget().held(),
                admission.budget().limit());
    }

    /** Hashes the images for the verdicts' evidence; stateless, shared by every request. */
    private static final dev.vigil.engine.hash.PdqHasher EVIDENCE_HASHER = new dev.vigil.engine.hash.PdqHasher();

    /** One request on its way through the gate. */
    private final class Attempt {
        final String id;
        final Policy policy;
        final long start;
        final long deadline;
        /** Set once the verdict is out (or the caller cancelled): what is left is dropped. */
        volatile boolean answered;
        /** When its verdict was made (System.nanoTime()), 0 before. */
        volatile long answeredAt;
        /** The stage that dropped the request, or null. */
        volatile String droppedAt;
        /** Guarded by this. */
        private RequestContext context;
        private boolean released;
        volatile long decodeNanos;
        /** The images' digests, once decoded. */
        volatile Evidence evidence = Evidence.NONE;
        final Map<SignalProvider, CompletableFuture<SignalValues>> computed = new LinkedHashMap<>();

        Attempt(String id, Policy policy, long start, long deadline) {
            this.id = id;
            this.policy = policy;
            this.start = start;
            this.deadline = deadline;
        }

        boolean withdrawn() {
            return answered || System.nanoTime() - deadline >= 0;
        }

        private RequestWithdrawn drop(String stage) {
            droppedAt = stage;
            return new RequestWithdrawn(stage);
        }

        RequestContext decode(ScoreRequest request) {
            if (withdrawn()) {
                throw drop("decode");
            }
            long t0 = System.nanoTime();
            Pixels image = decodeForModels(request.image(), "image");
            // an edit's source is decoded now, not when a rule first needs it: a source that cannot
            // be decoded fails the request closed, whatever the rules would have read
            Pixels source = null;
            if (request.source() != null) {
                try {
                    source = decodeForModels(request.source(), "source");
                } catch (RuntimeException e) {
                    image.close();
                    throw e;
                }
            }
            decodeNanos = System.nanoTime() - t0;
            RequestContext ctx = new RequestContext(id, image, source, deadline, this::withdrawn);
            try {
                if (Gate.this.evidence) {
                    // what identifies the images in the verdict's record: computed here, on the decode
                    // pool, and the PDQ hash shared with the hash-list signal
                    evidence = new Evidence(Evidence.of(request.image(), ctx.imagePdq(EVIDENCE_HASHER)),
                            source == null ? null : Evidence.of(request.source(), EVIDENCE_HASHER.hash(source)));
                }
            } catch (RuntimeException e) {
                image.close();
                if (source != null) {
                    source.close();
                }
                throw e;
            }
            synchronized (this) {
                if (!released) {
                    context = ctx;
                    return ctx;
                }
            }
            image.close(); // answered while decoding: nobody will read these pixels
            if (source != null) {
                source.close();
            }
            throw drop("decode");
        }

        private Pixels decodeForModels(ImageInput input, String field) {
            try {
                return reducedDecodeSide > 0 ? decoder.decode(input, reducedDecodeSide, reducedDecodeSide) : decoder.decode(input);
            } catch (InputException e) {
                throw new InputException(field + "." + e.field().replaceFirst("^image\\.", ""), e.getMessage().substring(e.field().length() + 2), e);
            }
        }

        CompletableFuture<Evaluation> evaluate() {
            return policy.evaluate(this::signal);
        }

        private CompletableFuture<Double> signal(String name) {
            SignalProvider provider = ClassifierSignals.SIGNALS.contains(name)
                    ? classifiers.get(policy.classifier() != null ? policy.classifier() : defaultClassifier)
                    : providerBySignal.get(name);
            if (provider == null) {
                return CompletableFuture.failedFuture(new GateException("signal " + name + ": no provider computes it in this gate"));
            }
            CompletableFuture<SignalValues> values;
            synchronized (computed) {
                if (answered && !computed.containsKey(provider)) {
                    // the verdict is out (deadline, cancel): start nothing more for it
                    return CompletableFuture.failedFuture(drop("signal"));
                }
                values = computed.computeIfAbsent(provider, p -> {
                    try {
                        return p.compute(context);
                    } catch (RuntimeException e) {
                        return CompletableFuture.failedFuture(e);
                    }
                });
            }
            return values.thenApply(v -> {
                Double value = v.values().get(name);
                if (value == null) {
                    throw new GateException("signal " + name + ": provider returned none");
                }
                return value;
            });
        }

        Verdict verdict(Evaluation evaluation, Throwable failure) {
            long now = System.nanoTime();
            answeredAt = now;
            List<String> models = new ArrayList<>();
            List<String> findings = new ArrayList<>();
            Map<String, String> failures = new LinkedHashMap<>();
            // what the policy read, in the order it read it, then whatever else was computed alongside
            Map<String, Double> signals = new LinkedHashMap<>(evaluation != null ? evaluation.signals() : Map.of());
            Throwable firstSignalFailure = null;
            long queue = 0;
            long inference = 0;
            synchronized (computed) {
                for (var entry : computed.entrySet()) {
                    CompletableFuture<SignalValues> f = entry.getValue();
                    if (f.isDone() && !f.isCompletedExceptionally()) {
                        SignalValues v = f.join();
                        models.addAll(v.models());
                        findings.addAll(v.findings());
                        v.values().forEach(signals::putIfAbsent);
                        queue += v.queueNanos();
                        inference += v.inferenceNanos();
                    } else if (f.isCompletedExceptionally()) {
                        Throwable c = cause(f);
                        firstSignalFailure = firstSignalFailure == null ? c : firstSignalFailure;
                        failures.put(String.join("+", new java.util.TreeSet<>(entry.getKey().signals())), describe(c));
                    }
                }
            }
            Verdict.Timings timings = new Verdict.Timings(decodeNanos / 1000, queue / 1000, inference / 1000,
                    Math.max(0, now - start - decodeNanos - queue - inference) / 1000, (now - start) / 1000);
            if (failure == null) {
                // a policy that failed closed on a signal: lead with where it failed (overloaded, timeout, ...)
                String reason = Evaluation.ERROR.equals(evaluation.rule()) && firstSignalFailure != null
                        ? stage(firstSignalFailure) + ": " + evaluation.reason() : evaluation.reason();
                return new Verdict(id, evaluation.decision(), evaluation.rule(), reason, signals, failures,
                        List.copyOf(findings), List.copyOf(new LinkedHashSet<>(models)), evaluation.policy(), evaluation.version(), timings, evidence,
                        evaluation.criteria(), evaluation.ground());
            }
            Throwable cause = unwrap(failure);
            String stage = stage(cause);
            failures.put(stage, describe(cause));
            Decision decision = policy.onError() == Policy.OnError.ALLOW ? Decision.ALLOW : Decision.BLOCK;
            return new Verdict(id, decision, Evaluation.ERROR, stage + ": " + describe(cause), signals, failures, List.copyOf(findings),
                    List.copyOf(new LinkedHashSet<>(models)), policy.name(), policy.version(), timings, evidence, null, null);
        }

        /**
         * Once the answer is out: waits for every signal computation started for the request (no
         * new one starts now), frees its pixels once nothing reads them, then runs {@code after}.
         * Once.
         */
        void release(Runnable after) {
            RequestContext ctx;
            synchronized (this) {
                released = true;
                ctx = context;
            }
            List<CompletableFuture<SignalValues>> started;
            synchronized (computed) {
                answered = true;
                started = List.copyOf(computed.values());
            }
            CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).handle((v, e) -> {
                for (CompletableFuture<SignalValues> f : started) {
                    if (f.isCompletedExceptionally() && cause(f) instanceof dev.vigil.engine.batch.RequestWithdrawnException && droppedAt == null) {
                        droppedAt = "batch";
                    }
                }
                if (ctx != null) {
                    ctx.release(after);
                } else {
                    after.run();
                }
                return null;
            });
        }
    }

    private static Throwable cause(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return unwrap(e);
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The verdict's name for where a failure happened; one place, so reasons stay consistent. */
    private static String stage(Throwable cause) {
        if (cause instanceof InputException) {
            return "decode";
        }
        if (cause instanceof TimeoutException || cause instanceof DeadlineExceededException) {
            return "timeout";
        }
        if (cause instanceof QueueFullException || cause instanceof RejectedExecutionException) {
            return "overloaded";
        }
        if (cause instanceof BatcherClosedException || cause instanceof GateClosedException) {
            return "closed";
        }
        return "error";
    }

    private static String describe(Throwable cause) {
        if (cause instanceof TimeoutException) {
            return "no verdict within the request's deadline";
        }
        String m = cause.getMessage();
        return m == null ? cause.getClass().getSimpleName() : m;
    }

    /** A request nobody waits for any more, dropped at {@code stage}. */
    private static final class RequestWithdrawn extends GateException {
        RequestWithdrawn(String stage) {
            super("dropped before " + stage + ": nobody waits for this verdict any more");
        }
    }

    /** A request scored after {@link #close()}. */
    private static final class GateClosedException extends GateException {
        GateClosedException() {
            super("the gate is shut down");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        decodePool.shutdown();
        try {
            decodePool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RuntimeException first = null;
        for (SignalProvider p : providers) {
            try {
                p.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Signals that need the face models; they are loaded only when some policy reads one. */
    private static final Set<String> FACE_SIGNALS = Set.of("faces", "minor", "source_match", "protected_person");

    private static boolean needsFaces(PolicySet set) {
        return set.names().stream().anyMatch(name -> set.policy(name).signals().stream().anyMatch(FACE_SIGNALS::contains));
    }

    /**
     * Options for a {@link Gate}; every one has a default that works on a laptop. Required
     * fields would be {@code set*}; all of these are optional ({@code opt*}).
     */
    public static final class Builder {
        private ModelRepository repository;
        private PolicySet policies;
        private String classifier = "nsfw-mobilenet-v2-mid";
        private BatchingConfig batching = BatchingConfig.defaults();
        private BatchListener batchListener = BatchListener.NONE;
        private DecodeLimits decodeLimits = DecodeLimits.defaults();
        private int decodeThreads = Runtime.getRuntime().availableProcessors();
        private int decodeQueueCapacity = 1024;
        private MemoryBudget memoryBudget = new MemoryBudget(MemoryBudget.DEFAULT_LIMIT);
        /** Null: {@link SessionOptions#forConcurrentBatches} for the batching's concurrent batches. */
        private SessionOptions sessionOptions;
        private final Map<String, Precision> precisions = new HashMap<>();
        /** Null: the session options'. */
        private Preprocessing preprocessing;
        private dev.vigil.engine.model.Device device = dev.vigil.engine.model.Device.CPU;
        /** What {@link #build} found {@link #preprocessing} runs as here. */
        private Preprocessing resolvedPreprocessing;
        private Duration timeout = Duration.ofSeconds(5);
        private int reducedDecodeSide = 448;
        private boolean warmUp = true;
        private boolean evidence;
        private final List<SignalProvider> extraProviders = new ArrayList<>();
        private HashListRegistry hashLists;
        private ProtectedPeople protectedPeople;
        private BlazeFaceDecoder faceDecoder = BlazeFaceDecoder.defaults();

        /** The model repository (default: the user's, {@code ~/.cache/vigil/models} or VIGIL_MODEL_REPOSITORY). */
        public Builder optRepository(ModelRepository repository) {
            this.repository = repository;
            return this;
        }

        /** Named policies (default: the engine's {@code policies.yaml}, default policy {@code strict}). */
        public Builder optPolicies(PolicySet policies) {
            this.policies = policies;
            return this;
        }

        /** The classifier model behind {@code sexual}, {@code suggestive}, {@code drawing} (default: nsfw-mobilenet-v2-mid). */
        public Builder optClassifier(String model) {
            this.classifier = model;
            return this;
        }

        /**
         * Dynamic batching per model: max batch size, max queue delay, queue capacity, and how
         * many batches of a model run at once (default: {@link BatchingConfig#defaults()}).
         */
        public Builder optBatching(BatchingConfig batching) {
            this.batching = batching;
            return this;
        }

        /** Told about every batch each model runs (metrics). */
        public Builder optBatchListener(BatchListener listener) {
            this.batchListener = listener;
            return this;
        }

        /** Limits on input images: bytes, pixels, side, accepted formats. */
        public Builder optDecodeLimits(DecodeLimits limits) {
            this.decodeLimits = limits;
            return this;
        }

        /** Threads decoding images (default: one per core); requests beyond their queue fail closed as overloaded. */
        public Builder optDecodeThreads(int threads, int queueCapacity) {
            if (threads < 1 || queueCapacity < 1) {
                throw new IllegalArgumentException("decodeThreads: " + threads + ", decodeQueueCapacity: " + queueCapacity + " (expected: >= 1)");
            }
            this.decodeThreads = threads;
            this.decodeQueueCapacity = queueCapacity;
            return this;
        }

        /**
         * The bytes requests may hold at once, encoded and decoded (default
         * {@link MemoryBudget#DEFAULT_LIMIT}); share one with the server so that unfinished
         * bodies and frames count too. Beyond it, {@link #score} refuses with
         * {@link OverloadedException}.
         */
        public Builder optMemoryBudget(MemoryBudget budget) {
            this.memoryBudget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /**
         * TensorFlow's intra- and inter-op threads for every model, and their precision unless
         * {@link #optPrecision} names the model (default:
         * {@link SessionOptions#forConcurrentBatches} for the cores and the batching's concurrent batches).
         */
        public Builder optSessionOptions(SessionOptions options) {
            this.sessionOptions = options;
            return this;
        }

        /**
         * Runs {@code model} in {@code precision} (default: the session options', FP32). BF16 is
         * faster on a CPU with AVX512_BF16 or AMX and moves probabilities slightly; see
         * {@link Precision} and bench/README.md for by how much.
         */
        public Builder optPrecision(String model, Precision precision) {
            precisions.put(Objects.requireNonNull(model, "model"), Objects.requireNonNull(precision, "precision"));
            return this;
        }

        /**
         * Which code preprocesses every model's input (default: the session options',
         * {@link Preprocessing#AUTO}: the native kernel where it loads). {@link Preprocessing#NATIVE}
         * makes {@link #build} fail when the kernel cannot load.
         */
        public Builder optPreprocessing(Preprocessing preprocessing) {
            this.preprocessing = Objects.requireNonNull(preprocessing, "preprocessing");
            return this;
        }

        /**
         * Where every model runs (default {@link dev.vigil.engine.model.Device#CPU}); a GPU this
         * host does not have, or a TensorFlow without CUDA, makes {@link #build} fail saying which.
         */
        public Builder optDevice(dev.vigil.engine.model.Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        private SessionOptions sessionOptions(String model) {
            SessionOptions options = sessionOptions != null ? sessionOptions
                    : SessionOptions.forConcurrentBatches(Runtime.getRuntime().availableProcessors(), batching.concurrentBatches());
            options = options.withDevice(device);
            if (preprocessing != null) {
                options = options.withPreprocessing(preprocessing);
            }
            return options.withPrecision(precisions.getOrDefault(model, options.precision()));
        }

        /** Default deadline of a request that sets none (default 5 s). */
        public Builder optTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * JPEGs larger than this on both sides are decoded at 1/2, 1/4 or 1/8 scale, keeping both
         * sides at least this long (default 448, twice the classifier's input); 0 decodes in full.
         */
        public Builder optReducedDecodeSide(int side) {
            if (side < 0) {
                throw new IllegalArgumentException("reducedDecodeSide: " + side + " (expected: >= 0)");
            }
            this.reducedDecodeSide = side;
            return this;
        }

        /** Whether to run every model once per batch size before serving (default true). */
        public Builder optWarmUp(boolean warmUp) {
            this.warmUp = warmUp;
            return this;
        }

        /**
         * Whether every verdict carries {@link Evidence}: the SHA-256 and PDQ hashes of its image
         * and source, computed on the decode pool (default: no). An audit log needs them; without
         * one, it is a PDQ hash per image (and per source) that nothing reads.
         */
        public Builder optEvidence(boolean evidence) {
            this.evidence = evidence;
            return this;
        }

        /**
         * The hash lists behind {@code hash_match} (default: none, so nothing matches). The gate
         * owns and closes the registry.
         */
        public Builder optHashLists(HashListRegistry registry) {
            this.hashLists = registry;
            return this;
        }

        /** The protected people behind {@code protected_person} (default: {@code <cache>/protected-people.json}). */
        public Builder optProtectedPeople(ProtectedPeople registry) {
            this.protectedPeople = registry;
            return this;
        }

        /** How BlazeFace's outputs become faces: score threshold (default 0.4), max faces, NMS. */
        public Builder optFaceDecoder(BlazeFaceDecoder decoder) {
            this.faceDecoder = decoder;
            return this;
        }

        /** A further signal provider; the gate owns and closes it. */
        public Builder optSignalProvider(SignalProvider provider) {
            this.extraProviders.add(provider);
            return this;
        }

        /**
         * Loads the models the policies need, warms them up, and starts the gate. Fails with a
         * clear message when a model is missing or a policy reads a signal no provider computes;
         * whatever was loaded before a failure is closed.
         */
        public Gate build() {
            ModelRepository repo = repository != null ? repository : new ModelRepository(VigilPaths.resolve(null, null).repository());
            PolicySet set = policies != null ? policies : PolicySet.defaults();
            try {
                resolvedPreprocessing = sessionOptions(classifier).preprocessing().resolve();
            } catch (IllegalStateException e) {
                throw new GateException(e.getMessage(), e);
            }
            if (device.gpu()) {
                String refusal = device.refusal(dev.vigil.gpu.GpuInventory.read(), dev.vigil.engine.model.Device.tensorflowHasCuda());
                if (refusal != null) {
                    throw new GateException(refusal);
                }
            }
            List<SignalProvider> providers = new ArrayList<>();
            Map<String, ClassifierSignals> classifiers = new LinkedHashMap<>();
            try {
                Set<String> models = new LinkedHashSet<>(List.of(classifier));
                for (String name : set.names()) {
                    if (set.policy(name).classifier() != null) {
                        models.add(set.policy(name).classifier());
                    }
                }
                Set<String> loaded = new LinkedHashSet<>(models);
                if (needsFaces(set)) {
                    loaded.addAll(List.of("blazeface", "faceres"));
                }
                for (String model : precisions.keySet()) {
                    if (!loaded.contains(model)) {
                        throw new GateException("precision for model " + model + ": this gate loads no such model (loads: " + loaded + ")");
                    }
                }
                for (String model : models) {
                    ClassifierSignals c = new ClassifierSignals(ModelSession.open(repo, model, sessionOptions(model)), batching, batchListener);
                    classifiers.put(model, c);
                    providers.add(c);
                }
                providers.add(new HashListSignals(hashLists != null ? hashLists : HashListRegistry.builder().build()));
                if (needsFaces(set)) {
                    // load both models before handing them over, so a failure closes what was opened
                    ModelSession detector = ModelSession.open(repo, "blazeface", sessionOptions("blazeface"));
                    ModelSession attributes;
                    try {
                        attributes = ModelSession.open(repo, "faceres", sessionOptions("faceres"));
                    } catch (RuntimeException e) {
                        detector.close();
                        throw e;
                    }
                    FaceService faces = new FaceService(detector, attributes, faceDecoder, batching, batchListener);
                    ProtectedPeople people = protectedPeople != null ? protectedPeople
                            : ProtectedPeople.open(VigilPaths.resolve(null, null).cache().resolve("protected-people.json"));
                    providers.add(new FaceSignals(faces, people));
                    providers.add(new SourceMatchSignals(faces));
                }
                providers.addAll(extraProviders);
                Set<String> computed = new LinkedHashSet<>();
                providers.forEach(p -> computed.addAll(p.signals()));
                for (String name : set.names()) {
                    for (String signal : set.policy(name).signals()) {
                        if (!computed.contains(signal)) {
                            throw new GateException("policy " + name + " reads signal " + signal + ", which no signal provider of this gate computes (computed: " + computed + ")");
                        }
                    }
                }
                if (warmUp) {
                    providers.forEach(SignalProvider::warmUp);
                }
                return new Gate(this, set, classifiers, providers);
            } catch (RuntimeException e) {
                for (SignalProvider p : providers) {
                    try {
                        p.close();
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }
    }
}
