package dev.vigil.client;

/** What the gate tells the generator to do with an image; the VERDICT frame's decision byte. */
public enum Decision {
    /** Return the image. */
    ALLOW(0),
    /** Withhold it pending human review. */
    REVIEW(1),
    /** Withhold it. Also the client's answer whenever it could not get a decision (fail-closed). */
    BLOCK(2);

    private final int wireValue;

    Decision(int wireValue) {
        this.wireValue = wireValue;
    }

    /** The byte VERDICT carries for this decision. */
    public int wireValue() {
        return wireValue;
    }

    /** The decision for VERDICT's decision byte; null when the byte names none (a malformed frame). */
    static Decision ofWire(int value) {
        for (Decision d : values()) {
            if (d.wireValue == value) {
                return d;
            }
        }
        return null;
    }
}
