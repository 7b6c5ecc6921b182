package dev.vigil.client;

/** Layout of raw 8-bit interleaved pixels: channel order and count, with the SCORE frame's pixel_format byte. */
public enum PixelFormat {
    RGB(1, 3), BGR(2, 3), RGBA(3, 4), BGRA(4, 4), GRAY(5, 1);

    private final int wireValue;
    private final int channels;

    PixelFormat(int wireValue, int channels) {
        this.wireValue = wireValue;
        this.channels = channels;
    }

    /** The pixel_format byte of a raw image on the wire. */
    public int wireValue() {
        return wireValue;
    }

    /** Bytes per pixel. */
    public int channels() {
        return channels;
    }
}
