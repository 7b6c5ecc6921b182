package dev.vigil.engine.image;

import java.nio.file.Path;

/** Lets tests of other packages find the project's PDQ reference photos the way this package's tests do. */
public final class TestImagesAccess {
    private TestImagesAccess() {
    }

    public static Path referencePhotos() {
        return TestImages.referencePhotos();
    }
}
