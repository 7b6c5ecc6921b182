package dev.vigil.client;

import dev.vigil.protocol.ImageData;

/** Layout of raw 8-bit interleaved pixels: channel order and count. */
public enum PixelFormat {
    RGB(ImageData.PixelFormat.RGB),
    BGR(ImageData.PixelFormat.BGR),
    RGBA(ImageData.PixelFormat.RGBA),
    BGRA(ImageData.PixelFormat.BGRA),
    GRAY(ImageData.PixelFormat.GRAY);

    private final ImageData.PixelFormat protocolFormat;

    PixelFormat(ImageData.PixelFormat protocolFormat) {
        this.protocolFormat = protocolFormat;
    }

    /** Bytes per pixel. */
    public int channels() {
        return protocolFormat.channels();
    }

    /** The same layout as the protocol names it (and numbers it on the wire). */
    ImageData.PixelFormat protocolFormat() {
        return protocolFormat;
    }
}
