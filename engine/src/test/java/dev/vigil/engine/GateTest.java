package dev.vigil.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.batch.BatchListener;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.batch.DynamicBatcher;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.RawImage;
import dev.vigil.engine.policy.PolicyException;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.engine.policy.SignalCatalog;
import dev.vigil.engine.signal.RequestContext;
import dev.vigil.engine.signal.SignalProvider;
import dev.vigil.engine.signal.SignalValues;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gate end to end with the real classifier: photos in, verdicts out, and every failure
 * injected and answered fail-closed. Uses its own policy file so that it needs only the
 * classifier (the face and hash signals have their own providers and tests).
 */
class GateTest {
    static final String POLICIES = """
            version: "test.1"
            default_policy: classify
            policies:
              classify:
                rules:
                  - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
                  - { name: suggestive, when: { suggestive: { at_least: 0.6 } }, decision: REVIEW }
              classify-fast:
                classifier: nsfw-mobilenet-v2
                rules:
                  - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
              lenient:
                on_error: allow
                rules:
                  - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
              flaky:
                rules:
                  - { name: boom, when: { boom: { at_least: 0.5 } }, decision: BLOCK }
              jammed:
                rules:
                  - { name: jam, when: { jam: { at_least: 0.5 } }, decision: BLOCK }
            """;

    static final SignalCatalog CATALOG = SignalCatalog.builtIn().toBuilder()
            .add("boom", 0, 1, "a signal whose model always fails (test)")
            .add("jam", 0, 1, "a signal behind a batcher of capacity 1 that holds its first batch (test)")
            .build();

    static Gate gate;
    static JammedModel jammed;
    static final CountDownLatch jamRelease = new CountDownLatch(1);
    static final AtomicInteger batches = new AtomicInteger();
    static final AtomicInteger batchedRequests = new AtomicInteger();
    static final AtomicInteger largestBatch = new AtomicInteger();

    /** A model that always fails. */
    static final class FailingModel implements SignalProvider {
        public Set<String> signals() {
            return Set.of("boom");
        }

        public CompletableFuture<SignalValues> compute(RequestContext request) {
            return CompletableFuture.failedFuture(new GateException("model boom/1: inference failed (injected)"));
        }
    }

    /** A model behind a real batcher of capacity 1 whose first batch waits for the test. */
    static final class JammedModel implements SignalProvider {
        final DynamicBatcher<String, Double> batcher = DynamicBatcher.start("jam", new BatchingConfig(1, Duration.ZERO, 1, Duration.ofSeconds(5)),
                batch -> {
                    jamRelease.await(30, TimeUnit.SECONDS);
                    return batch.stream().map(b -> 0.0).toList();
                }, BatchListener.NONE);

        public Set<String> signals() {
            return Set.of("jam");
        }

        public CompletableFuture<SignalValues> compute(RequestContext request) {
            try {
                return request.track(batcher.submit(request.requestId(), request.deadlineNanos()))
                        .thenApply(b -> new SignalValues(Map.of("jam", b.value()), List.of("jam/1"), b.queuedNanos(), 0));
            } catch (GateException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        public void close() {
            jamRelease.countDown();
            batcher.close();
        }
    }

    @BeforeAll
    static void start() {
        jammed = new JammedModel();
        PolicySet policies = PolicySet.load(new ByteArrayInputStream(POLICIES.getBytes(StandardCharsets.UTF_8)), "GateTest", CATALOG);
        gate = Gate.builder()
                .optRepository(TestModels.repository())
                .optPolicies(policies)
                .optBatching(new BatchingConfig(8, Duration.ofMillis(50), 64, Duration.ofSeconds(5)))
                .optBatchListener((size, queued, processing, failed) -> {
                    batches.incrementAndGet();
                    batchedRequests.addAndGet(size);
                    largestBatch.accumulateAndGet(size, Math::max);
                })
                .optSignalProvider(new FailingModel())
                .optSignalProvider(jammed)
                .build();
    }

    @AfterAll
    static void stop() {
        gate.close();
    }

    static byte[] photo(String name) throws Exception {
        return Files.readAllBytes(TestModels.photo(name));
    }

    static Verdict score(ScoreRequest request) throws Exception {
        return gate.score(request).get(60, TimeUnit.SECONDS);
    }

    @Test
    void neutralPhotoIsAllowedWithItsSignalsModelsAndTimings() throws Exception {
        Verdict v = score(ScoreRequest.of(new EncodedImage(photo("c.png"))).withRequestId("req-1"));
        assertEquals("req-1", v.requestId());
        assertEquals(Decision.ALLOW, v.decision());
        assertEquals("default", v.rule());
        // what the policy read first, in order; then what the classifier computed alongside
        assertEquals(List.of("sexual", "suggestive"), List.copyOf(v.signals().keySet()).subList(0, 2));
        assertTrue(v.signals().keySet().containsAll(List.of("drawing", "classifier.drawing", "classifier.hentai", "classifier.neutral",
                "classifier.porn", "classifier.sexy")), v.signals().toString());
        assertEquals(v.signals().get("classifier.porn") + v.signals().get("classifier.hentai"), v.signals().get("sexual"), 1e-6);
        assertTrue(v.signals().get("sexual") < 0.01, v.toString());
        assertEquals(List.of("nsfw-mobilenet-v2-mid/1"), v.models());
        assertEquals("classify", v.policy());
        assertEquals("test.1", v.policyVersion());
        assertTrue(v.failures().isEmpty());
        assertTrue(v.timings().decodeMicros() > 0 && v.timings().inferenceMicros() > 0, v.timings().toString());
        assertTrue(v.timings().totalMicros() >= v.timings().decodeMicros() + v.timings().inferenceMicros(), v.timings().toString());
    }

    @Test
    void signalsMatchTheOriginalRuntimeOnTheSamePhoto() throws Exception {
        // the reference recorded nsfwjs's probabilities for c.png: drawing, hentai, neutral, porn, sexy
        float[] ref = TestModels.readFloats(TestModels.reference("nsfw-mobilenet-v2-mid").resolve("photo-c.out0.f32"));
        Verdict v = score(ScoreRequest.of(new EncodedImage(photo("c.png"))).withPolicy("classify"));
        assertEquals(ref[1] + ref[3], v.signals().get("sexual"), 1e-4);
        assertEquals(ref[4], v.signals().get("suggestive"), 1e-4);
    }

    @Test
    void fastTierIsChosenByThePolicy() throws Exception {
        Verdict v = score(ScoreRequest.of(new EncodedImage(photo("astronaut.png"))).withPolicy("classify-fast"));
        assertEquals(List.of("nsfw-mobilenet-v2/1"), v.models());
        assertEquals(Decision.ALLOW, v.decision());
    }

    @Test
    void rawPixelsScoreLikeTheSameImageEncoded() throws Exception {
        byte[] png = photo("astronaut.png");
        Verdict encoded = score(ScoreRequest.of(new EncodedImage(png)));
        try (Mat bgr = opencv_imgcodecs.imdecode(new Mat(new BytePointer(png)), opencv_imgcodecs.IMREAD_COLOR)) {
            byte[] pixels = new byte[(int) (bgr.step() * bgr.rows())];
            bgr.data().get(pixels);
            RawImage raw = new RawImage(ByteBuffer.wrap(pixels), bgr.cols(), bgr.rows(), (int) bgr.step(), PixelFormat.BGR);
            Verdict v = score(ScoreRequest.of(raw));
            assertEquals(encoded.signals().get("sexual"), v.signals().get("sexual"), 1e-6);
            assertEquals(encoded.signals().get("suggestive"), v.signals().get("suggestive"), 1e-6);
            assertEquals(0, v.timings().queueMicros() < 0 ? 1 : 0);
        }
    }

    @Test
    void concurrentRequestsShareBatches() throws Exception {
        // listeners hear of a batch just after its requests are answered: let earlier tests' batches land first
        for (int last = -1; last != batchedRequests.get(); ) {
            last = batchedRequests.get();
            Thread.sleep(200);
        }
        int before = batchedRequests.get();
        int batchesBefore = batches.get();
        byte[] png = photo("camera.png");
        List<CompletableFuture<Verdict>> all = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            all.add(gate.score(ScoreRequest.of(new EncodedImage(png)).withPolicy(i % 2 == 0 ? "classify" : "lenient")));
        }
        for (CompletableFuture<Verdict> f : all) {
            Verdict v = f.get(60, TimeUnit.SECONDS);
            assertFalse(v.failedClosed(), v.toString());
        }
        // the listener hears of a batch just after its requests are answered
        for (int i = 0; i < 10_000 && batchedRequests.get() - before < 24; i++) {
            Thread.sleep(1);
        }
        assertEquals(24, batchedRequests.get() - before);
        assertTrue(batches.get() - batchesBefore < 24, "24 concurrent requests ran in " + (batches.get() - batchesBefore) + " batches");
        assertTrue(largestBatch.get() <= 8);
    }

    @Test
    void corruptImageIsBlockedWithTheDecodeError() throws Exception {
        byte[] png = photo("c.png");
        Verdict v = score(ScoreRequest.of(new EncodedImage(Arrays.copyOf(png, png.length / 2))));
        assertEquals(Decision.BLOCK, v.decision());
        assertTrue(v.failedClosed());
        assertTrue(v.reason().startsWith("decode: image."), v.reason());
        assertTrue(v.signals().isEmpty(), "nothing was computed for an image that could not be decoded");
    }

    @Test
    void undecodableImageUnderOnErrorAllowIsAllowed() throws Exception {
        Verdict v = score(ScoreRequest.of(new EncodedImage(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})).withPolicy("lenient"));
        assertEquals(Decision.ALLOW, v.decision());
        assertEquals("error", v.rule());
        assertTrue(v.reason().startsWith("decode: "), v.reason());
    }

    @Test
    void modelErrorIsBlocked() throws Exception {
        Verdict v = score(ScoreRequest.of(new EncodedImage(photo("c.png"))).withPolicy("flaky"));
        assertEquals(Decision.BLOCK, v.decision());
        assertEquals("error", v.rule());
        assertTrue(v.reason().contains("boom"), v.reason());
        assertTrue(v.failures().toString().contains("inference failed (injected)"), v.failures().toString());
    }

    @Test
    void fullQueueIsBlockedAsOverloadedAndMissedDeadlineAsTimeout() throws Exception {
        byte[] png = photo("c.png");
        // the first request occupies the jammed model's only batch slot, the second its queue of 1
        // deadlines long enough for both to be decoded and reach the model even on a loaded machine;
        // the second is sent only once the model's worker holds the first, else it could find the
        // queue of 1 still occupied by the first and be refused, which is the next step's case
        CompletableFuture<Verdict> first = gate.score(ScoreRequest.of(new EncodedImage(png)).withPolicy("jammed").withTimeout(Duration.ofSeconds(4)));
        awaitJam(first, 1, 0);
        CompletableFuture<Verdict> second = gate.score(ScoreRequest.of(new EncodedImage(png)).withPolicy("jammed").withTimeout(Duration.ofSeconds(4)));
        awaitJam(second, 1, 1);
        // a third finds the queue full and is refused at once
        Verdict overloaded = score(ScoreRequest.of(new EncodedImage(png)).withPolicy("jammed").withTimeout(Duration.ofSeconds(30)));
        assertEquals(Decision.BLOCK, overloaded.decision());
        assertTrue(overloaded.reason().startsWith("overloaded: "), overloaded.reason());
        // the two held ones pass their deadline while the model is stuck
        for (CompletableFuture<Verdict> f : List.of(first, second)) {
            Verdict v = f.get(60, TimeUnit.SECONDS);
            assertEquals(Decision.BLOCK, v.decision());
            assertTrue(v.reason().startsWith("timeout: "), v.reason());
        }
        jamRelease.countDown();
        // once the model moves again, the gate serves as before
        Verdict after = score(ScoreRequest.of(new EncodedImage(png)).withPolicy("jammed").withTimeout(Duration.ofSeconds(30)));
        assertEquals(Decision.ALLOW, after.decision(), after.toString());
        assertEquals(0.0, after.signals().get("jam"));
    }

    @Test
    void aRequestAfterCloseFailsClosed() throws Exception {
        // its own policy file, so that closing this gate closes none of the shared test providers
        PolicySet policies = PolicySet.load(new ByteArrayInputStream("""
                version: "closed.1"
                default_policy: classify
                policies:
                  classify:
                    rules:
                      - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
                """.getBytes(StandardCharsets.UTF_8)), "closed");
        Gate closedGate = Gate.builder().optRepository(TestModels.repository()).optPolicies(policies).optWarmUp(false).build();
        closedGate.close();
        Verdict v = closedGate.score(ScoreRequest.of(new EncodedImage(photo("c.png")))).get(10, TimeUnit.SECONDS);
        assertEquals(Decision.BLOCK, v.decision());
        assertEquals("error", v.rule());
        assertEquals("closed: the gate is shut down", v.reason());
    }

    /** Waits until the jammed model holds {@code inFlight} requests in its worker and {@code queued} in its queue. */
    private static void awaitJam(CompletableFuture<Verdict> held, int inFlight, int queued) throws InterruptedException {
        while (jammed.batcher.inFlight() != inFlight || jammed.batcher.queueDepth() != queued) {
            assertFalse(held.isDone(), () -> "a held request was answered before it reached the jammed model: " + held.join());
            Thread.sleep(1);
        }
    }

    @Test
    void unknownPolicyIsAClearError() {
        var f = gate.score(ScoreRequest.of(new EncodedImage(new byte[1])).withPolicy("nsfw-lax"));
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof PolicyException, e.getCause().toString());
        assertTrue(e.getCause().getMessage().startsWith("policy: nsfw-lax (expected one of: "), e.getCause().getMessage());
    }

    @Test
    void policyReadingASignalNoProviderComputesIsRefusedAtBuild() {
        PolicySet needsNobody = PolicySet.load(new ByteArrayInputStream("""
                version: "t"
                default_policy: p
                policies:
                  p:
                    rules:
                      - { name: m, when: { nobody: { at_least: 0.5 } }, decision: BLOCK }
                """.getBytes(StandardCharsets.UTF_8)), "inline",
                SignalCatalog.builtIn().toBuilder().add("nobody", 0, 1, "a signal no provider computes (test)").build());
        GateException e = assertThrows(GateException.class,
                () -> Gate.builder().optRepository(TestModels.repository()).optPolicies(needsNobody).optWarmUp(false).build());
        assertTrue(e.getMessage().startsWith("policy p reads signal nobody, which no signal provider of this gate computes"), e.getMessage());
    }
}
