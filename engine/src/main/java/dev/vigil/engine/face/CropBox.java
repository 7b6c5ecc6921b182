package dev.vigil.engine.face;

/**
 * The square-ish region of an image that the face-attribute model sees, in whole pixels, as
 * human rounds it ({@code facemeshutil.ts squarifyBox}): corners (left, top) and (right,
 * bottom). May reach past the image; {@link FaceCropper} reads what lies outside as 0 (black),
 * as TensorFlow's crop_and_resize does. Immutable.
 */
public record CropBox(int left, int top, int right, int bottom) {
    public CropBox {
        if (right <= left || bottom <= top) {
            throw new IllegalArgumentException("crop: [" + left + ", " + top + "]-[" + right + ", " + bottom + "] (expected: right > left and bottom > top)");
        }
    }

    public int width() {
        return right - left;
    }

    public int height() {
        return bottom - top;
    }
}
