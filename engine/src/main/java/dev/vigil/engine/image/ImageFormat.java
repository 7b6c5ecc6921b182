package dev.vigil.engine.image;

/** Encoded image formats the decoder knows; a deployment may accept a subset. */
public enum ImageFormat {
    PNG, JPEG, WEBP, BMP
}
