package dev.vigil.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.policy.PolicySet;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * Resource discipline: thousands of images through the whole gate (decode, batch tensor,
 * TensorFlow, verdict), corrupt ones among them, must leave native memory where it was.
 * JavaCPP's own accounting (OpenCV Mats) must come back to its starting value exactly; the
 * process's resident size, which also holds TensorFlow's allocator and the JVM heap, may only
 * wobble within a bound far below what one leaked image per request would cost.
 */
class GateNativeMemoryTest {

    @Test
    void scoringThousandsOfImagesDoesNotGrowNativeMemory() throws Exception {
        PolicySet policies = PolicySet.load(new ByteArrayInputStream("""
                version: "soak.1"
                default_policy: classify
                policies:
                  classify:
                    rules:
                      - { name: hash, when: { hash_match: { at_least: 1 } }, decision: BLOCK }
                      - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
                """.getBytes(StandardCharsets.UTF_8)), "soak");
        List<byte[]> images = new ArrayList<>();
        for (String name : List.of("c.png", "astronaut.png", "camera.png", "q0003.jpg", "q1050.jpg")) {
            images.add(Files.readAllBytes(TestModels.photo(name)));
        }
        byte[] truncated = java.util.Arrays.copyOf(images.get(0), 1000);
        try (Gate gate = Gate.builder().optRepository(TestModels.repository()).optPolicies(policies)
                .optBatching(new BatchingConfig(16, Duration.ofMillis(5), 256, Duration.ofSeconds(5))).optWarmUp(true).build()) {
            round(gate, images, truncated, 400); // warm-up: JIT, TensorFlow's allocator, OpenCV's buffers
            long trackedBefore = Pointer.totalBytes();
            long residentStart = Pointer.physicalBytes();
            round(gate, images, truncated, 400);
            // the JVM heap and the allocators settle during the first rounds (more so inside a whole test run,
            // where the heap is still growing); a leak keeps growing after that, so measure from here
            long residentBefore = Pointer.physicalBytes();
            System.err.printf("settling: resident %+.1f MB over the first 400 images after warm-up%n", (residentBefore - residentStart) / 1e6);
            int rounds = 5;
            for (int r = 0; r < rounds; r++) {
                round(gate, images, truncated, 400);
                System.err.printf("after %d more images: JavaCPP tracked %+d bytes, resident %+.1f MB%n", (r + 1) * 400,
                        Pointer.totalBytes() - trackedBefore, (Pointer.physicalBytes() - residentBefore) / 1e6);
            }
            assertEquals(trackedBefore, Pointer.totalBytes(), "JavaCPP-tracked native bytes after 2400 more images");
            long grown = Pointer.physicalBytes() - residentBefore;
            // one 512x512 BGR image is 0.75 MB: one leaked per request would be 1.5 GB over these 2000
            assertTrue(grown < 100_000_000L, "resident size grew by " + grown + " bytes over 2000 images");
        }
    }

    private static void round(Gate gate, List<byte[]> images, byte[] truncated, int n) throws Exception {
        List<CompletableFuture<Verdict>> pending = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] bytes = i % 50 == 49 ? truncated : images.get(i % images.size());
            // a long deadline: this soak is about memory; with the default 5 s, a machine busy with
            // something else makes admission refuse 64 requests at once as overloaded (as it should)
            pending.add(gate.score(new ScoreRequest(null, new EncodedImage(bytes), null, null, Duration.ofMinutes(2))));
            if (pending.size() == 64) {
                drain(pending);
            }
        }
        drain(pending);
    }

    private static void drain(List<CompletableFuture<Verdict>> pending) throws Exception {
        for (CompletableFuture<Verdict> f : pending) {
            Verdict v = f.get(120, TimeUnit.SECONDS);
            assertTrue(v.decision() != null);
        }
        pending.clear();
    }
}
