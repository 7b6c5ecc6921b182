package dev.vigil.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.face.ProtectedPeople;
import dev.vigil.engine.hash.HashListRegistry;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.policy.PolicySet;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every signal (classifier, faces, minor, source match, protected person, hash match) scored
 * for many different photos at once equals, bit for bit, what the same gate gives them one at
 * a time. Batches of one, two at once per model: whatever differs is a race between batch
 * workers (as the FaceRes cropper shared by two workers once was), not batch-size numerics.
 */
public class GateConcurrencyTest {
    /** Every rule reads one signal at a threshold no photo reaches, so every signal is computed. */
    public static final String POLICIES = """
            version: "all-signals.1"
            default_policy: all
            policies:
              all:
                rules:
                  - { name: sexual, when: { sexual: { at_least: 1 } }, decision: REVIEW }
                  - { name: suggestive, when: { suggestive: { at_least: 1 } }, decision: REVIEW }
                  - { name: drawing, when: { drawing: { at_least: 1 } }, decision: REVIEW }
                  - { name: faces, when: { faces: { at_least: 100000 } }, decision: REVIEW }
                  - { name: minor, when: { minor: { at_least: 1 } }, decision: REVIEW }
                  - { name: source, when: { source_match: { at_least: 1 } }, decision: REVIEW }
                  - { name: protected, when: { protected_person: { at_least: 1 } }, decision: REVIEW }
                  - { name: hash, when: { hash_match: { at_least: 1 } }, decision: BLOCK }
            """;

    @Test
    void manyPhotosAtOnceGiveTheSignalsTheyGetOneAtATime(@TempDir Path dir) throws Exception {
        List<byte[]> photos = new ArrayList<>();
        photos.add(Files.readAllBytes(TestModels.photo("astronaut.png")));
        photos.add(Files.readAllBytes(TestModels.photo("camera.png")));
        photos.add(Files.readAllBytes(TestModels.facePhoto("messi5.jpg")));
        photos.add(Files.readAllBytes(TestModels.facePhoto("quickie-flip-example-source.jpg")));
        try (Stream<Path> files = Files.list(TestModels.referencePhotos())) {
            for (Path f : files.sorted().toList()) {
                photos.add(Files.readAllBytes(f));
            }
        }
        byte[] source = photos.get(0);
        Path list = dir.resolve("known.tsv");
        Files.writeString(list, "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\tnot any of these photos\n");
        ProtectedPeople people = ProtectedPeople.open(dir.resolve("people.json"));
        BatchingConfig batching = new BatchingConfig(1, Duration.ZERO, 256, Duration.ofSeconds(5), 2);
        try (Gate gate = Gate.builder().optRepository(TestModels.repository())
                .optPolicies(PolicySet.load(new ByteArrayInputStream(POLICIES.getBytes(StandardCharsets.UTF_8)), "all-signals"))
                .optBatching(batching)
                .optProtectedPeople(people)
                .optHashLists(HashListRegistry.builder().addList("known", list).build())
                .build()) {
            List<ScoreRequest> requests = new ArrayList<>();
            for (byte[] p : photos) {
                requests.add(new ScoreRequest(null, new EncodedImage(p), null, null, Duration.ofMinutes(2)));
                requests.add(new ScoreRequest(null, new EncodedImage(p), new EncodedImage(source), null, Duration.ofMinutes(2)));
            }
            List<Map<String, Object>> serial = new ArrayList<>();
            for (ScoreRequest r : requests) {
                serial.add(signals(gate.score(r).get(2, TimeUnit.MINUTES)));
            }
            int withFaces = (int) serial.stream().filter(s -> (Double) s.getOrDefault("faces", 0.0) > 0).count();
            assertTrue(withFaces >= 4, "requests with faces: " + withFaces + " (expected: some, or the face signals go untested)");
            long complete = serial.stream().filter(s -> s.keySet().containsAll(List.of("sexual", "faces", "minor", "protected_person", "hash_match"))).count();
            assertTrue(complete >= requests.size() / 2, complete + " of " + requests.size() + " requests computed every signal: " + serial);
            assertTrue(serial.stream().filter(s -> s.containsKey("source_match")).count() >= 4, "source_match computed for the edits");

            for (int round = 0; round < 2; round++) {
                List<CompletableFuture<Verdict>> concurrent = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    concurrent.add(gate.score(requests.get((i * 7 + round) % requests.size())));
                }
                for (int i = 0; i < 64; i++) {
                    int which = (i * 7 + round) % requests.size();
                    Verdict v = concurrent.get(i).get(5, TimeUnit.MINUTES);
                    assertEquals(serial.get(which), signals(v), "request " + which + " (photo " + which / 2 + ", source " + (which % 2 == 1)
                            + ") scored among 64 at once: " + v.reason());
                }
            }
        }
    }

    /** What must not depend on the company a request keeps: every signal, every failure (a face too small to compare, say), the decision. */
    private static Map<String, Object> signals(Verdict v) {
        Map<String, Object> outcome = new java.util.LinkedHashMap<>(v.signals());
        v.failures().forEach((stage, why) -> outcome.put("failure:" + stage, why));
        outcome.put("decision", v.decision() + " " + v.rule());
        return outcome;
    }
}
