package dev.vigil.engine.hash;

/**
 * The eight rotations and reflections of an image (the dihedral group of the square), in
 * the order and with the names the PDQ reference uses. The directions stated are those of
 * the pixels: {@link PdqHasherTest} turns real photos and checks each one.
 *
 * <p>Each is computed on the 16x16 DCT of the original rather than by hashing turned pixels.
 * Reversing the rows of the 64x64 image multiplies coefficient row {@code u} (frequency
 * {@code u + 1}) by {@code (-1)^(u+1)}, so it negates the even rows; reversing the columns
 * negates the even columns; transposing the image transposes the coefficients. Every member
 * of the group is a transpose or not followed by either reversal or both.
 */
public enum Dihedral {
    /** The image as it is. */
    ORIGINAL(false, false, false),
    /** Turned a quarter turn counter-clockwise. */
    ROTATE_90(true, true, false),
    /** Turned upside down. */
    ROTATE_180(false, true, true),
    /** Turned a quarter turn clockwise. */
    ROTATE_270(true, false, true),
    /** Mirrored top to bottom (about the horizontal axis). */
    FLIP_X(false, true, false),
    /** Mirrored left to right (about the vertical axis). */
    FLIP_Y(false, false, true),
    /** Mirrored about the main diagonal (transposed). */
    FLIP_PLUS_1(true, false, false),
    /** Mirrored about the anti-diagonal. */
    FLIP_MINUS_1(true, true, true);

    private final boolean transpose;
    private final boolean reverseRows;
    private final boolean reverseColumns;

    Dihedral(boolean transpose, boolean reverseRows, boolean reverseColumns) {
        this.transpose = transpose;
        this.reverseRows = reverseRows;
        this.reverseColumns = reverseColumns;
    }

    /**
     * Writes into {@code out} the 16x16 DCT (row-major) of the transformed image, given that of
     * the original.
     */
    void applyToDct(double[] dct, double[] out) {
        for (int u = 0; u < 16; u++) {
            boolean negateRow = reverseRows && (u & 1) == 0;
            for (int v = 0; v < 16; v++) {
                boolean negate = negateRow ^ (reverseColumns && (v & 1) == 0);
                double value = transpose ? dct[v * 16 + u] : dct[u * 16 + v];
                out[u * 16 + v] = negate ? -value : value;
            }
        }
    }
}
