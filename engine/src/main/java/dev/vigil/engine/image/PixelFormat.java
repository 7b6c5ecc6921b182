package dev.vigil.engine.image;

/** Layout of 8-bit interleaved pixels: channel order and count. */
public enum PixelFormat {
    RGB(3, 0, 1, 2), BGR(3, 2, 1, 0), RGBA(4, 0, 1, 2), BGRA(4, 2, 1, 0), GRAY(1, 0, 0, 0);

    private final int channels;
    private final int red;
    private final int green;
    private final int blue;

    PixelFormat(int channels, int red, int green, int blue) {
        this.channels = channels;
        this.red = red;
        this.green = green;
        this.blue = blue;
    }

    public int channels() {
        return channels;
    }

    /** Byte offset of the red sample within a pixel (0 for GRAY: the one sample). */
    public int redOffset() {
        return red;
    }

    public int greenOffset() {
        return green;
    }

    public int blueOffset() {
        return blue;
    }
}
