package dev.vigil.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.model.Precision;
import dev.vigil.engine.policy.PolicySet;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Gate.Builder#optPrecision}: one model of a gate in BF16, the verdicts it gives, and a model the gate does not load. */
class GatePrecisionTest {
    private static final String POLICIES = """
            version: "t"
            default_policy: classify
            policies:
              classify:
                rules:
                  - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
                  - { name: suggestive, when: { suggestive: { at_least: 0.6 } }, decision: REVIEW }
            """;

    private static PolicySet policies() {
        return PolicySet.load(new ByteArrayInputStream(POLICIES.getBytes(StandardCharsets.UTF_8)), "inline");
    }

    @Test
    void bf16ClassifierGivesTheFp32DecisionsWithSlightlyDifferentSignals() throws Exception {
        assumeTrue(TestModels.cpuHasAmx(), "no amx_bf16 on this CPU: bfloat16 without AMX was measured to disagree with FP32 (TestModels.cpuHasAmx)");
        try (Gate fp32 = Gate.builder().optRepository(TestModels.repository()).optPolicies(policies()).optWarmUp(false).build();
             Gate bf16 = Gate.builder().optRepository(TestModels.repository()).optPolicies(policies()).optWarmUp(false)
                     .optPrecision("nsfw-mobilenet-v2-mid", Precision.BF16).build()) {
            boolean anyDifference = false;
            for (String name : List.of("camera.png", "q0004.jpg", "q0291.jpg", "astronaut.png")) {
                ScoreRequest request = ScoreRequest.of(new EncodedImage(Files.readAllBytes(TestModels.photo(name))));
                Verdict a = fp32.score(request).get(60, TimeUnit.SECONDS);
                Verdict b = bf16.score(request).get(60, TimeUnit.SECONDS);
                assertEquals(a.decision(), b.decision(), name);
                assertEquals(a.models(), b.models(), name);
                for (String signal : List.of("sexual", "suggestive", "classifier.neutral", "classifier.drawing")) {
                    double delta = Math.abs(a.signals().get(signal) - b.signals().get(signal));
                    // PrecisionTest explains the bound: twice the largest difference measured on the reference photos
                    assertTrue(delta < 0.1, name + " " + signal + ": fp32 " + a.signals().get(signal) + ", bf16 " + b.signals().get(signal));
                    anyDifference |= delta > 0;
                }
            }
            assertTrue(anyDifference, "the bf16 gate gave exactly the fp32 signals: the precision did not reach the session");
        }
    }

    @Test
    void precisionForAModelTheGateDoesNotLoadIsRefused() {
        GateException e = assertThrows(GateException.class, () -> Gate.builder().optRepository(TestModels.repository()).optPolicies(policies())
                .optWarmUp(false).optPrecision("nsfw-mobilenet-v2-midd", Precision.BF16).build());
        assertEquals("precision for model nsfw-mobilenet-v2-midd: this gate loads no such model (loads: [nsfw-mobilenet-v2-mid])", e.getMessage());
    }
}
