package dev.vigil.protocol;

/** VERDICT's decision byte. */
public enum Decision {
    ALLOW(0), REVIEW(1), BLOCK(2);

    private final int code;

    Decision(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The decision with this code, or null when version 1 defines none. */
    public static Decision of(int code) {
        return switch (code) {
            case 0 -> ALLOW;
            case 1 -> REVIEW;
            case 2 -> BLOCK;
            default -> null;
        };
    }
}
