package dev.vigil.engine.hash;

import java.util.Locale;

/**
 * A 256-bit PDQ hash: an immutable value. Bit {@code k} is set when DCT coefficient
 * {@code (k / 16, k % 16)} lies above the median; word {@code w0} holds bits 0-63 and
 * {@code w3} bits 192-255.
 *
 * <p>The hex form is the one the reference tools print and hash lists carry: the 256-bit
 * number written big-endian, so its first digit holds bits 255-252 and its last bits 3-0.
 */
public record PdqHash(long w0, long w1, long w2, long w3) {
    public static final int BITS = 256;
    public static final int HEX_DIGITS = BITS / 4;

    /** The hash with no bit set; the reference gives it to images too small to hash. */
    public static final PdqHash ZERO = new PdqHash(0, 0, 0, 0);

    /**
     * Parses 64 hex digits, either case.
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public static PdqHash fromHex(CharSequence hex) {
        if (hex.length() != HEX_DIGITS) {
            throw new IllegalArgumentException(
                    "hash: \"" + abbreviate(hex) + "\" has " + hex.length() + " characters (expected: " + HEX_DIGITS + " hex digits)");
        }
        long[] words = new long[4];
        for (int i = 0; i < HEX_DIGITS; i++) {
            int digit = Character.digit(hex.charAt(i), 16);
            if (digit < 0) {
                throw new IllegalArgumentException(
                        "hash: \"" + abbreviate(hex) + "\" has '" + hex.charAt(i) + "' at " + i + " (expected: " + HEX_DIGITS + " hex digits)");
            }
            // Digit 0 is the most significant: it belongs to word 3.
            int word = 3 - i / 16;
            words[word] = (words[word] << 4) | digit;
        }
        return new PdqHash(words[0], words[1], words[2], words[3]);
    }

    /** Word {@code i} (0-3) of the hash: bits {@code 64 i} to {@code 64 i + 63}. */
    public long word(int i) {
        return switch (i) {
            case 0 -> w0;
            case 1 -> w1;
            case 2 -> w2;
            case 3 -> w3;
            default -> throw new IndexOutOfBoundsException("word: " + i + " (expected: 0..3)");
        };
    }

    /** Bit {@code k} (0-255). */
    public boolean bit(int k) {
        if (k < 0 || k >= BITS) {
            throw new IndexOutOfBoundsException("bit: " + k + " (expected: 0.." + (BITS - 1) + ")");
        }
        return ((word(k >>> 6) >>> (k & 63)) & 1) != 0;
    }

    /** Number of bits set. */
    public int bitCount() {
        return Long.bitCount(w0) + Long.bitCount(w1) + Long.bitCount(w2) + Long.bitCount(w3);
    }

    /** Number of bits in which the two hashes differ (0-256). */
    public int hammingDistance(PdqHash that) {
        return Long.bitCount(w0 ^ that.w0) + Long.bitCount(w1 ^ that.w1)
                + Long.bitCount(w2 ^ that.w2) + Long.bitCount(w3 ^ that.w3);
    }

    /** This hash with bit {@code k} inverted. */
    public PdqHash flipBit(int k) {
        if (k < 0 || k >= BITS) {
            throw new IndexOutOfBoundsException("bit: " + k + " (expected: 0.." + (BITS - 1) + ")");
        }
        long mask = 1L << (k & 63);
        return switch (k >>> 6) {
            case 0 -> new PdqHash(w0 ^ mask, w1, w2, w3);
            case 1 -> new PdqHash(w0, w1 ^ mask, w2, w3);
            case 2 -> new PdqHash(w0, w1, w2 ^ mask, w3);
            default -> new PdqHash(w0, w1, w2, w3 ^ mask);
        };
    }

    /** The 64 lower-case hex digits. */
    public String toHex() {
        return String.format(Locale.ROOT, "%016x%016x%016x%016x", w3, w2, w1, w0);
    }

    @Override
    public String toString() {
        return toHex();
    }

    private static String abbreviate(CharSequence value) {
        return value.length() <= 80 ? value.toString() : value.subSequence(0, 77) + "...";
    }
}
