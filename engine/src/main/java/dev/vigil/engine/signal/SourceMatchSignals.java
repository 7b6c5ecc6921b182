package dev.vigil.engine.signal;

import dev.vigil.engine.GateException;
import dev.vigil.engine.face.Face;
import dev.vigil.engine.face.FaceAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code source_match}: for an edit, the largest identity similarity (FaceRes descriptors,
 * @vladmandic/human's similarity) between a face in the source image and a face in the output.
 * 0 for a plain generation (no source) and when either image has no face. Pairs where either
 * face is narrower than {@link FaceSignals#MIN_IDENTITY_FACE} px are not compared; when both
 * images have faces but no pair is large enough, the signal cannot be computed and the
 * policy's on_error decides (strict: BLOCK). The output image's faces are shared with
 * {@link FaceSignals}; the source is decoded and analysed only when this signal is asked for.
 * Thread-safe.
 */
public final class SourceMatchSignals implements SignalProvider {
    private final FaceService faces;

    public SourceMatchSignals(FaceService faces) {
        this.faces = faces;
    }

    @Override
    public Set<String> signals() {
        return Set.of("source_match");
    }

    @Override
    public CompletableFuture<SignalValues> compute(RequestContext request) {
        if (!request.hasSource()) {
            return CompletableFuture.completedFuture(new SignalValues(Map.of("source_match", 0.0), List.of(), 0, 0,
                    List.of("no source image: not an edit")));
        }
        CompletableFuture<FaceService.Faces> output = FaceSignals.imageFaces(faces, request);
        CompletableFuture<FaceService.Faces> source = request.shared("faces:source",
                () -> request.source().thenCompose(pixels -> faces.analyze(pixels, request.deadlineNanos(), request::withdrawn)));
        return output.thenCombine(source, (out, src) -> {
            List<String> findings = new ArrayList<>();
            double best = 0;
            int compared = 0;
            for (Face s : src.faces()) {
                for (Face o : out.faces()) {
                    if (s.box().width() < FaceSignals.MIN_IDENTITY_FACE || o.box().width() < FaceSignals.MIN_IDENTITY_FACE) {
                        continue;
                    }
                    compared++;
                    best = Math.max(best, FaceAttributes.similarity(s.attributes().descriptor(), o.attributes().descriptor()));
                }
            }
            if (compared == 0 && !src.faces().isEmpty() && !out.faces().isEmpty()) {
                throw new GateException("source_match: the faces are narrower than " + (int) FaceSignals.MIN_IDENTITY_FACE
                        + " px, too small to compare identities");
            }
            findings.add(String.format(Locale.ROOT, "source image: %d face(s), output: %d face(s), best identity similarity %.2f",
                    src.faces().size(), out.faces().size(), best));
            List<String> models = new ArrayList<>(out.models());
            src.models().stream().filter(m -> !models.contains(m)).forEach(models::add);
            return new SignalValues(Map.of("source_match", best), models, src.queueNanos(), src.inferenceNanos(), findings);
        });
    }
}
