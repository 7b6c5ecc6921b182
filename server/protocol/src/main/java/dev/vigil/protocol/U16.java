package dev.vigil.protocol;

/** Range checks for the unsigned fields, in the form {@code min_version: 70000 (expected: <= 65535)}. */
final class U16 {
    private U16() {
    }

    static int check(String field, int value) {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: >= 0 and <= 65535)");
        }
        return value;
    }

    /** u32 fields hold values up to {@link Integer#MAX_VALUE} in version 1. */
    static int checkU31(String field, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: >= 0)");
        }
        return value;
    }
}
