package dev.vigil.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.face.ProtectedPeople;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.policy.PolicySet;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The face signals through the gate with the real models: the default strict policy (which
 * needs every signal) builds and runs its cascade; minor, source_match and protected_person
 * are computed on real photos, with policies whose rules test each one alone.
 */
class GateFaceSignalsTest {
    static final String POLICIES = """
            version: "faces.1"
            default_policy: strict-like
            policies:
              strict-like:
                rules:
                  - { name: hash, when: { hash_match: { at_least: 0.5 } }, decision: BLOCK }
                  - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
                  - name: minor-suggestive
                    when: { all: [ { suggestive: { at_least: 0.2 } }, { minor: { at_least: 0.15 } } ] }
                    decision: BLOCK
              count-faces:
                rules:
                  - { name: crowd, when: { faces: { at_least: 3 } }, decision: REVIEW }
              minor-only:
                rules:
                  - { name: minor, when: { minor: { at_least: 0.3 } }, decision: BLOCK }
              same-person:
                rules:
                  - { name: same-person, when: { source_match: { at_least: 0.45 } }, decision: BLOCK }
              protected:
                rules:
                  - { name: protected, when: { protected_person: { at_least: 0.45 } }, decision: BLOCK }
            """;

    @TempDir
    static Path registryDir;
    static Gate gate;
    static ProtectedPeople registry;

    @BeforeAll
    static void start() {
        registry = ProtectedPeople.open(registryDir.resolve("protected.json"));
        gate = Gate.builder().optRepository(TestModels.repository())
                .optPolicies(PolicySet.load(new ByteArrayInputStream(POLICIES.getBytes(StandardCharsets.UTF_8)), "faces"))
                .optProtectedPeople(registry)
                .build();
    }

    @AfterAll
    static void stop() {
        gate.close();
    }

    static Verdict score(ScoreRequest r) throws Exception {
        return gate.score(r).get(120, TimeUnit.SECONDS);
    }

    static EncodedImage image(Path file) throws Exception {
        return new EncodedImage(Files.readAllBytes(file));
    }

    /**
     * An edit whose source image cannot be decoded is not scored on the output alone: even where
     * no rule would have read the source (a neutral photo), the verdict fails closed and says why.
     */
    @Test
    void anUndecodableSourceFailsTheEditClosedAndIsReported() throws Exception {
        byte[] source = Files.readAllBytes(TestModels.photo("astronaut.png"));
        ScoreRequest edit = ScoreRequest.of(image(TestModels.photo("astronaut.png")))
                .withSource(new EncodedImage(java.util.Arrays.copyOf(source, source.length / 3)));
        Verdict v = score(edit);
        assertEquals(Decision.BLOCK, v.decision(), v.toString());
        assertTrue(v.failedClosed(), v.toString());
        assertTrue(v.failures().getOrDefault("decode", "").startsWith("source."), v.failures().toString());
        Verdict whole = score(ScoreRequest.of(image(TestModels.photo("astronaut.png"))).withSource(new EncodedImage(source)));
        assertFalse(whole.failedClosed(), whole.toString());
    }

    @Test
    void theDefaultStrictPolicyBuildsAndItsCascadeSkipsFaceModelsForANeutralPhoto() throws Exception {
        try (Gate strict = Gate.builder().optRepository(TestModels.repository()).optProtectedPeople(registry).build()) {
            Verdict v = strict.score(ScoreRequest.of(image(TestModels.photo("astronaut.png")))).get(120, TimeUnit.SECONDS);
            assertEquals(Decision.ALLOW, v.decision(), v.toString());
            assertEquals("strict", v.policy());
            // hash list first (cheap), then the classifier; the face rules never had to ask
            assertEquals(List.of("hash_match", "sexual", "suggestive"), List.copyOf(v.signals().keySet()).subList(0, 3), v.toString());
            assertFalse(v.signals().containsKey("faces") || v.signals().containsKey("minor"), v.signals().toString());
            assertFalse(v.models().contains("blazeface/1"), v.models().toString());
        }
    }

    @Test
    void facesAreCounted() throws Exception {
        Verdict soldiers = score(ScoreRequest.of(image(TestModels.facePhoto("quickie-flip-example-source.jpg"))).withPolicy("count-faces"));
        assertEquals(5.0, soldiers.signals().get("faces"), soldiers.toString());
        assertEquals(Decision.REVIEW, soldiers.decision());
        assertEquals(List.of("blazeface/1", "faceres/1"), soldiers.models());
        Verdict none = score(ScoreRequest.of(image(TestModels.photo("c.png"))).withPolicy("count-faces"));
        assertEquals(0.0, none.signals().get("faces"));
        assertEquals(List.of("blazeface/1"), none.models(), "no face, so FaceRes never ran");
    }

    @Test
    void minorIsTheLargestUnder18Probability() throws Exception {
        Verdict v = score(ScoreRequest.of(image(TestModels.photo("camera.png"))).withPolicy("minor-only"));
        double minor = v.signals().get("minor");
        assertTrue(minor > 0 && minor < 1, v.toString());
        assertEquals(minor >= 0.3 ? Decision.BLOCK : Decision.ALLOW, v.decision());
        assertTrue(v.findings().stream().anyMatch(f -> f.contains("P(under 18)")), v.findings().toString());
    }

    @Test
    void anEditOfTheSamePersonMatchesItsSourceAndAnotherPersonDoesNot() throws Exception {
        EncodedImage astronaut = image(TestModels.photo("astronaut.png"));
        Verdict same = score(ScoreRequest.of(astronaut).withSource(astronaut).withPolicy("same-person"));
        assertTrue(same.signals().get("source_match") > 0.9, same.toString());
        assertEquals(Decision.BLOCK, same.decision());
        assertEquals("same-person", same.rule());

        Verdict other = score(ScoreRequest.of(astronaut).withSource(image(TestModels.facePhoto("messi5.jpg"))).withPolicy("same-person"));
        assertTrue(other.signals().get("source_match") < 0.45, other.toString());
        assertEquals(Decision.ALLOW, other.decision());

        Verdict plain = score(ScoreRequest.of(astronaut).withPolicy("same-person"));
        assertEquals(0.0, plain.signals().get("source_match"), "no source image, no match");
    }

    @Test
    void facesTooSmallToCompareFailClosed() throws Exception {
        EncodedImage soldiers = image(TestModels.facePhoto("quickie-flip-example-source.jpg"));
        Verdict v = score(ScoreRequest.of(soldiers).withSource(soldiers).withPolicy("same-person"));
        assertEquals(Decision.BLOCK, v.decision());
        assertEquals("error", v.rule());
        assertTrue(v.reason().contains("too small to compare identities"), v.reason());
    }

    @Test
    void anEnrolledProtectedPersonIsRecognised() throws Exception {
        Path astronautFile = TestModels.photo("astronaut.png");
        Verdict before = score(ScoreRequest.of(image(astronautFile)).withPolicy("protected"));
        assertEquals(0.0, before.signals().get("protected_person"), "empty registry: nothing to match");
        // enrol from the other photo's descriptor path: the registry holds descriptors only
        try (var models = dev.vigil.engine.face.FaceModels.open();
             var pixels = new dev.vigil.engine.image.ImageDecoder(dev.vigil.engine.image.DecodeLimits.defaults()).decode(image(astronautFile))) {
            var faces = new dev.vigil.engine.face.FaceAnalyzer(models.blazeface(), models.faceres()).analyze(pixels);
            assertEquals(1, faces.size());
            registry.enrol("eileen-collins", "faceres/1", "test", List.of(faces.get(0).attributes().descriptor()));
        }
        Verdict after = score(ScoreRequest.of(image(astronautFile)).withPolicy("protected"));
        assertTrue(after.signals().get("protected_person") > 0.9, after.toString());
        assertEquals(Decision.BLOCK, after.decision());
        assertTrue(after.findings().stream().anyMatch(f -> f.contains("eileen-collins")), after.findings().toString());
        Verdict someoneElse = score(ScoreRequest.of(image(TestModels.facePhoto("messi5.jpg"))).withPolicy("protected"));
        assertTrue(someoneElse.signals().get("protected_person") < 0.45, someoneElse.toString());
        registry.remove("eileen-collins");
    }
}
