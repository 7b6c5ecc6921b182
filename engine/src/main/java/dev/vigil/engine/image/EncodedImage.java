package dev.vigil.engine.image;

/**
 * Encoded image bytes (PNG, JPEG, WebP, BMP). The array is not copied: the caller must not
 * change it until the request is answered.
 */
public record EncodedImage(byte[] bytes) implements ImageInput {
}
