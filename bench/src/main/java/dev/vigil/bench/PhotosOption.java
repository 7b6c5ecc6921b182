package dev.vigil.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --photos} option every bench command that sends real photos shares (a picocli mixin). */
final class PhotosOption {
    @Option(names = "--photos", paramLabel = "PATH", split = ",",
            description = "Photo folders or files, cycled in name order (default: the reference photos, <cache>/photos and $VIGIL_REFERENCE_PHOTOS).")
    List<Path> paths = new ArrayList<>();

    /** Whether the option was given. */
    boolean given() {
        return !paths.isEmpty();
    }

    /** The photo files, in name order; see {@link BenchPhotos#list}. */
    List<Path> files() {
        return BenchPhotos.list(paths);
    }
}
