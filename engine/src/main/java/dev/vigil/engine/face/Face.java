package dev.vigil.engine.face;

/** One face of an image: where BlazeFace found it and what FaceRes says about it. Immutable. */
public record Face(FaceBox box, FaceAttributes attributes) {
}
