package dev.vigil.client;

/** What the gate tells the generator to do with an image. */
public enum Decision {
    /** Return the image. */
    ALLOW,
    /** Withhold it pending human review. */
    REVIEW,
    /** Withhold it. Also the client's answer whenever it could not get a decision (fail-closed). */
    BLOCK;

    /** The decision a VERDICT frame carries. */
    static Decision of(dev.vigil.protocol.Decision decision) {
        return switch (decision) {
            case ALLOW -> ALLOW;
            case REVIEW -> REVIEW;
            case BLOCK -> BLOCK;
        };
    }
}
