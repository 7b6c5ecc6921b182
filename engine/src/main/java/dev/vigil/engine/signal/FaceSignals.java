package dev.vigil.engine.signal;

import dev.vigil.engine.GateException;
import dev.vigil.engine.face.DescriptorSimilarity;
import dev.vigil.engine.face.Face;
import dev.vigil.engine.face.FaceAttributes;
import dev.vigil.engine.face.ProtectedPeople;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Signals about the faces in the generated image, from one run of the face pipeline:
 * <ul>
 *   <li>{@code faces}: how many faces BlazeFace found (score >= its threshold, 0.4 by default);</li>
 *   <li>{@code minor}: the largest probability, over those faces, that the face is under 18:
 *       FaceRes's age distribution summed over the bins 0 to 17. 0 without faces. FaceRes is
 *       known to estimate children's (and some adults') ages poorly: the strict policy uses a
 *       low threshold and errs towards blocking;</li>
 *   <li>{@code protected_person}: the largest identity similarity between a face in the image
 *       and an enrolled protected person. 0 with no faces or an empty registry. Faces narrower
 *       than {@link #MIN_IDENTITY_FACE} pixels are not compared: below that FaceRes's
 *       descriptors of different people are as close as those of the same person (see the
 *       calibration in IdentityCalibrationTest); when the image's only faces are that small and
 *       the registry is not empty, the signal cannot be computed and the policy's on_error
 *       decides (strict: BLOCK).</li>
 * </ul>
 * The face models run only when a policy rule asks for one of these signals. Owns the
 * {@link FaceService} (which {@link SourceMatchSignals} shares) and closes it. Thread-safe.
 */
public final class FaceSignals implements SignalProvider {
    /** Narrowest face, in image pixels, whose identity descriptor is compared. */
    public static final double MIN_IDENTITY_FACE = 40;
    static final String SHARED_KEY = "faces:image";

    private final FaceService faces;
    private final ProtectedPeople registry;
    private final DescriptorSimilarity similarity = FaceAttributes::similarity;

    public FaceSignals(FaceService faces, ProtectedPeople registry) {
        this.faces = faces;
        this.registry = registry;
    }

    @Override
    public Set<String> signals() {
        return Set.of("faces", "minor", "protected_person");
    }

    static CompletableFuture<FaceService.Faces> imageFaces(FaceService faces, RequestContext request) {
        return request.shared(SHARED_KEY, () -> faces.analyze(request.image(), request.deadlineNanos(), request::withdrawn));
    }

    @Override
    public CompletableFuture<SignalValues> compute(RequestContext request) {
        return imageFaces(faces, request).thenApply(found -> {
            Map<String, Double> values = new LinkedHashMap<>();
            List<String> findings = new ArrayList<>();
            double minor = 0;
            for (Face f : found.faces()) {
                minor = Math.max(minor, f.attributes().minorProbability());
                findings.add(String.format(Locale.ROOT, "face at (%.0f, %.0f) %.0fx%.0f px: age about %.0f, P(under 18) %.2f",
                        f.box().x(), f.box().y(), f.box().width(), f.box().height(), f.attributes().humanAge(), f.attributes().minorProbability()));
            }
            values.put("faces", (double) found.faces().size());
            values.put("minor", minor);
            values.put("protected_person", protectedPerson(found.faces(), findings));
            return new SignalValues(values, found.models(), found.queueNanos(), found.inferenceNanos(), findings);
        });
    }

    private double protectedPerson(List<Face> found, List<String> findings) {
        if (found.isEmpty() || registry.list().isEmpty()) {
            return 0;
        }
        double best = 0;
        int compared = 0;
        for (Face f : found) {
            if (f.box().width() < MIN_IDENTITY_FACE) {
                continue;
            }
            compared++;
            ProtectedPeople.Match m = registry.best(f.attributes().descriptor(), similarity);
            if (m != null && m.similarity() > best) {
                best = m.similarity();
                findings.add(String.format(Locale.ROOT, "closest protected person: %s (similarity %.2f)", m.id(), m.similarity()));
            }
        }
        if (compared == 0) {
            throw new GateException("protected_person: every face is narrower than " + (int) MIN_IDENTITY_FACE
                    + " px, too small to compare identities");
        }
        return best;
    }

    @Override
    public void warmUp() {
        faces.warmUp();
    }

    @Override
    public void close() {
        faces.close();
    }
}
