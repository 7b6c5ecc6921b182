package dev.vigil.engine.image;

/** An image as a request carries it: encoded bytes, or raw pixels used without any decode. */
public sealed interface ImageInput permits EncodedImage, RawImage {
}
