package dev.vigil.bench.throughput;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vigil.bench.ModelFixtures;
import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.Pixels;
import dev.vigil.engine.model.ModelSession;
import dev.vigil.engine.model.Precision;
import dev.vigil.engine.model.SessionOptions;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.types.TFloat32;

/**
 * One classifier opened twice, in FP32 and in a reduced {@link Precision}, compared in one
 * process: what TensorFlow ran (op dtypes after Grappler), images per second on the same
 * pre-made batch tensors (the two sessions alternate, measurement by measurement, so load from
 * elsewhere on a shared host falls on both), and agreement of the probabilities on real photos.
 * Both sessions have the same threads; the caller gets only the result, everything native is
 * closed here.
 */
public final class PrecisionComparison {
    /**
     * The thresholds the default policies (engine policies.yaml) put on the classifier's signals:
     * a photo whose signal lies on different sides of one of them in the two precisions could
     * get a different decision.
     */
    static final Map<String, double[]> POLICY_THRESHOLDS = Map.of("sexual", new double[] {0.1, 0.15, 0.4}, "suggestive", new double[] {0.2, 0.3, 0.6});

    /** One timed window: {@code images_per_s} of one precision at one batch size in one round. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Speed(int round, int batch, Precision precision, double imagesPerSecond, long calls) {
    }

    /** One photo's probabilities in both precisions, and the classifier signals the policies read. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PhotoAgreement(String photo, String fp32Top, String reducedTop, float maxAbsDelta,
                                 double sexualFp32, double sexualReduced, double suggestiveFp32, double suggestiveReduced) {
    }

    /**
     * @param conversions      ops TensorFlow ran in each precision, {@code "op dtype" -> count}
     * @param ratios           per batch size, reduced / fp32 images per second of each round, in round order
     * @param maxAbsDelta      per class label, the largest |reduced - fp32| probability over the photos
     * @param topClassChanges  photos whose most probable class differs
     * @param thresholdCrossings photos whose sexual or suggestive signal lies on different sides of a default policy threshold
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Result(String model, Precision precision, int intraOpThreads, int hostCores, String jvm,
                         Map<Precision, Map<String, Integer>> conversions, List<Speed> speeds, Map<Integer, double[]> ratios,
                         List<PhotoAgreement> photos, Map<String, Float> maxAbsDelta, int topClassChanges, int thresholdCrossings) {
    }

    private PrecisionComparison() {
    }

    /** {@code intraOpThreads} 0 means one per core, as the gate. */
    public static Result run(String model, Precision reduced, List<Integer> batches, int rounds, int intraOpThreads,
                             Duration warmUp, Duration measured, List<Path> photos) {
        SessionOptions fp32Options = intraOpThreads > 0 ? new SessionOptions(intraOpThreads, 1) : SessionOptions.forCores(ThroughputResult.hostCores());
        ModelRepository repository = new ModelRepository(VigilPaths.resolve(null, null).repository());
        try (ModelSession fp32 = ModelSession.open(repository, model, fp32Options);
             ModelSession low = ModelSession.open(repository, model, fp32Options.withPrecision(reduced))) {
            Map<Precision, Map<String, Integer>> conversions = new LinkedHashMap<>();
            try (TFloat32 probe = ModelFixtures.randomBatch(fp32, 1, 7)) {
                conversions.put(Precision.FP32, fp32.executedOps(probe));
                conversions.put(reduced, low.executedOps(probe));
            }
            List<Speed> speeds = new ArrayList<>();
            Map<Integer, double[]> ratios = new LinkedHashMap<>();
            for (int batch : batches) {
                ratios.put(batch, new double[rounds]);
            }
            for (int round = 1; round <= rounds; round++) {
                for (int batch : batches) {
                    try (TFloat32 input = ModelFixtures.randomBatch(fp32, batch, 42)) {
                        // alternate which goes first, so neither always follows the other's cache state
                        List<ModelSession> order = round % 2 == 1 ? List.of(fp32, low) : List.of(low, fp32);
                        double[] rate = new double[2];
                        for (ModelSession session : order) {
                            TimedCalls.Counts counts = TimedCalls.run(1, warmUp, measured, () -> session.runPrepared(input).size());
                            speeds.add(new Speed(round, batch, session.precision(), counts.imagesPerSecond(), counts.calls()));
                            rate[session == fp32 ? 0 : 1] = counts.imagesPerSecond();
                        }
                        ratios.get(batch)[round - 1] = rate[1] / rate[0];
                    }
                }
            }
            return agreement(model, reduced, fp32Options, conversions, speeds, ratios, fp32, low, photos);
        }
    }

    private static Result agreement(String model, Precision reduced, SessionOptions options, Map<Precision, Map<String, Integer>> conversions,
                                    List<Speed> speeds, Map<Integer, double[]> ratios, ModelSession fp32, ModelSession low, List<Path> photos) {
        List<String> labels = fp32.manifest().output("probabilities").labels();
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
        List<PhotoAgreement> agreements = new ArrayList<>();
        Map<String, Float> maxDelta = new LinkedHashMap<>();
        labels.forEach(l -> maxDelta.put(l, 0f));
        int topChanges = 0;
        int crossings = 0;
        for (Path photo : photos) {
            float[] a;
            float[] b;
            try (Pixels pixels = decoder.decode(new EncodedImage(Files.readAllBytes(photo)))) {
                a = fp32.run(List.of(pixels)).get(0).get("probabilities");
                b = low.run(List.of(pixels)).get(0).get("probabilities");
            } catch (IOException e) {
                throw new UncheckedIOException("photo " + photo + ": " + e.getMessage(), e);
            }
            float photoMax = 0;
            for (int i = 0; i < a.length; i++) {
                float d = Math.abs(a[i] - b[i]);
                photoMax = Math.max(photoMax, d);
                maxDelta.merge(labels.get(i), d, Math::max);
            }
            String topA = labels.get(argMax(a));
            String topB = labels.get(argMax(b));
            double sexualA = a[labels.indexOf("porn")] + a[labels.indexOf("hentai")];
            double sexualB = b[labels.indexOf("porn")] + b[labels.indexOf("hentai")];
            double suggestiveA = a[labels.indexOf("sexy")];
            double suggestiveB = b[labels.indexOf("sexy")];
            topChanges += topA.equals(topB) ? 0 : 1;
            crossings += crosses("sexual", sexualA, sexualB) || crosses("suggestive", suggestiveA, suggestiveB) ? 1 : 0;
            agreements.add(new PhotoAgreement(photo.getFileName().toString(), topA, topB, photoMax, sexualA, sexualB, suggestiveA, suggestiveB));
        }
        return new Result(model, reduced, options.intraOpThreads(), ThroughputResult.hostCores(), ThroughputResult.thisJvm(),
                conversions, speeds, ratios, agreements, maxDelta, topChanges, crossings);
    }

    private static boolean crosses(String signal, double a, double b) {
        return Arrays.stream(POLICY_THRESHOLDS.get(signal)).anyMatch(t -> (a >= t) != (b >= t));
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
