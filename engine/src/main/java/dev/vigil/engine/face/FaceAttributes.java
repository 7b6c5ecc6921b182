package dev.vigil.engine.face;

import dev.vigil.engine.GateException;
import java.util.Map;

/**
 * What FaceRes (HSE FaceRes as packaged by human 3.3.6) says about one face: a distribution
 * over 100 one-year age bins, the probability that the face is male, and a 1024-d identity
 * descriptor. Immutable by convention: the arrays are the model's output rows, handed over,
 * not copied; callers must not change them. Thread-safe.
 *
 * @param ageDistribution softmax over ages 0..99 in whole years: bin {@code i} is "{@code i} years old"
 * @param male            sigmoid output, P(male); human reads &lt;= 0.5 as female
 * @param descriptor      the global-average-pooled features before the heads; compare with {@link #similarity}
 */
public record FaceAttributes(float[] ageDistribution, float male, float[] descriptor) {
    /** Age bins the model outputs. */
    public static final int AGE_BINS = 100;
    /** Bins 0..17 are the ages under 18. */
    public static final int ADULT_AGE = 18;

    public FaceAttributes {
        if (ageDistribution.length != AGE_BINS) {
            throw new IllegalArgumentException("ageDistribution: " + ageDistribution.length + " bins (expected: " + AGE_BINS + ")");
        }
        if (descriptor.length == 0) {
            throw new IllegalArgumentException("descriptor: 0 values (expected: > 0)");
        }
    }

    /** From one face's FaceRes outputs ({@code age}, {@code gender}, {@code descriptor}, as its manifest names them). */
    public static FaceAttributes of(Map<String, float[]> outputs) {
        float[] age = outputs.get("age");
        float[] gender = outputs.get("gender");
        float[] descriptor = outputs.get("descriptor");
        if (age == null || gender == null || descriptor == null) {
            throw new GateException("faceres outputs: " + outputs.keySet() + " (expected: age, gender, descriptor)");
        }
        if (age.length != AGE_BINS || gender.length != 1) {
            throw new GateException("faceres outputs: age " + age.length + ", gender " + gender.length + " values (expected: " + AGE_BINS + ", 1)");
        }
        return new FaceAttributes(age, gender[0], descriptor);
    }

    /**
     * P(age &lt; 18): the sum of the bins for ages 0 through 17. The policy's {@code minor}
     * signal. The model was trained on apparent age, so this is the probability that the face
     * looks under 18, not a statement about the person.
     */
    public double minorProbability() {
        double sum = 0;
        for (int i = 0; i < ADULT_AGE; i++) {
            sum += ageDistribution[i];
        }
        return sum;
    }

    /** The mean of the distribution, Σ i · p(i), in years. */
    public double expectedAge() {
        double sum = 0;
        for (int i = 0; i < AGE_BINS; i++) {
            sum += i * (double) ageDistribution[i];
        }
        return sum;
    }

    /**
     * The age human reports ({@code faceres.ts predict}): the most probable bin, moved towards
     * its more probable neighbour by ten times that neighbour's probability, rounded to 0.1
     * year. At bin 99, where human's formula reads past the array and gives NaN, the one
     * neighbour (98) is used.
     */
    public double humanAge() {
        int best = 0;
        for (int i = 1; i < AGE_BINS; i++) {
            if (ageDistribution[i] > ageDistribution[best]) {
                best = i;
            }
        }
        // human compares all[best - 1] > all[best + 1]; a missing neighbour compares false
        boolean below = best > 0 && (best == AGE_BINS - 1 || ageDistribution[best - 1] > ageDistribution[best + 1]);
        double tenths = below ? 10.0 * best - 100.0 * ageDistribution[best - 1] : 10.0 * best + 100.0 * ageDistribution[best + 1];
        return Math.round(tenths) / 10.0;
    }

    /** human's gender confidence: trunc(200 · |P(male) − 0.5|) / 100, capped at 0.99. */
    public double genderConfidence() {
        return Math.min(0.99, Math.floor(200 * Math.abs(male - 0.5)) / 100);
    }

    /** {@link #similarity(float[], float[])} of the two faces' descriptors. */
    public double similarity(FaceAttributes other) {
        return similarity(descriptor, other.descriptor);
    }

    /**
     * Identity similarity in [0, 1], human's {@code match.ts similarity} with its defaults
     * (order 2, multiplier 25, min 0.2, max 0.8): distance d = 25 · Σ (a<sub>i</sub> −
     * b<sub>i</sub>)², similarity = (1 − √d / 100 − 0.2) / (0.8 − 0.2), clamped to [0, 1]; that
     * is (0.8 − ‖a − b‖ / 20) / 0.6. It is 1 for Euclidean distance ‖a − b‖ up to 4 and 0 from
     * 16 on. Human also rounds d and the result to 0.01; this does not, so thresholds can be
     * finer than 0.01 ({@code Math.round(100 · s) / 100} gives human's value except where its
     * rounding of d crosses a step). human's doc: "similarity above 0.5 can be considered a match".
     * Small faces do not separate: below about 40 px (detector box width) descriptors shrink
     * towards one another, and different people reach 1.0 (IdentityCalibrationTest).
     */
    public static double similarity(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("descriptors: " + a.length + " and " + b.length + " values (expected: equal lengths)");
        }
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = (double) a[i] - b[i];
            sum += diff * diff;
        }
        if (sum == 0) {
            return 1;
        }
        double distance = 25 * sum;
        double normalized = (1 - Math.sqrt(distance) / 100 - 0.2) / (0.8 - 0.2);
        return Math.max(0, Math.min(1, normalized));
    }
}
