package dev.vigil.engine;

/** What the gate tells the generator to do with an image. */
public enum Decision {
    /** Return the image. */
    ALLOW,
    /** Withhold it pending human review. */
    REVIEW,
    /** Withhold it. Also the answer whenever the gate could not decide (fail-closed). */
    BLOCK
}
