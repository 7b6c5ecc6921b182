package dev.vigil.engine.hash;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shared PDQ test data lies. The parent POM sets {@code vigil.referencePhotos} to
 * {@code ${maven.multiModuleProjectDirectory}/../shared/testdata/pdq/images}; built with
 * {@code -f engine/pom.xml} that base is the module folder, one level too deep, so the same
 * relative path is also tried from each folder above the working directory.
 */
final class ReferencePhotos {
    private static final Path RELATIVE = Path.of("..", "shared", "testdata", "pdq", "images");

    private ReferencePhotos() {
    }

    /** The images folder; its parent holds EXPECTED.tsv, haystack.txt and needles.txt. */
    static Path images() {
        String property = System.getProperty("vigil.referencePhotos");
        if (property != null && Files.isDirectory(Path.of(property))) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(RELATIVE).normalize();
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("no PDQ test images: vigil.referencePhotos=" + property
                + " does not exist and no ../shared/testdata/pdq/images lies above " + Path.of("").toAbsolutePath());
    }

    static Path testData() {
        return images().getParent();
    }
}
