package dev.vigil.bench;

import dev.vigil.models.VigilPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The real photos the benchmarks read: by default the model reference photos, that is
 * {@code <cache>/photos} (astronaut.png and camera.png, 512x512 PNG, fetched by
 * {@code ./vigil models verify}) and the folder in {@code VIGIL_REFERENCE_PHOTOS} (the launcher
 * sets it to the shared PDQ test photos: seven 256x256 JPEGs, a 1432x812 PNG, 224x399 and
 * 34x42 JPEGs). Files are taken in name order per folder, so every run scores the same set in
 * the same order.
 */
public final class BenchPhotos {
    /** The photo the JMH fixtures resize to 512, 1024 and 2048 pixels: a 512x512 colour photograph. */
    public static final String SOURCE_PHOTO = "astronaut.png";

    private BenchPhotos() {
    }

    /** The default photo folder, {@code <cache>/photos}. */
    public static Path defaultFolder() {
        return VigilPaths.resolve(null, null).cache().resolve("photos");
    }

    /** {@link #defaultFolder()}, and {@code VIGIL_REFERENCE_PHOTOS} when it names a folder. */
    public static List<Path> defaultFolders() {
        List<Path> folders = new ArrayList<>(List.of(defaultFolder()));
        String reference = System.getenv("VIGIL_REFERENCE_PHOTOS");
        if (reference != null && !reference.isEmpty() && Files.isDirectory(Path.of(reference))) {
            folders.add(Path.of(reference));
        }
        return folders;
    }

    /** {@link #SOURCE_PHOTO} from the default folder; fails with what to run when it is missing. */
    public static Path sourcePhoto() {
        Path photo = defaultFolder().resolve(SOURCE_PHOTO);
        if (!Files.isRegularFile(photo)) {
            throw new IllegalArgumentException("photo " + photo + ": missing (run ./vigil models verify, which fetches the reference photos)");
        }
        return photo;
    }

    /**
     * The JPEG and PNG files under each folder (not recursive) or named directly, in name order
     * per folder; an empty list means {@link #defaultFolders()}.
     */
    public static List<Path> list(List<Path> foldersOrFiles) {
        List<Path> roots = foldersOrFiles.isEmpty() ? defaultFolders() : foldersOrFiles;
        List<Path> photos = new ArrayList<>();
        for (Path root : roots) {
            if (Files.isRegularFile(root)) {
                photos.add(root);
            } else if (Files.isDirectory(root)) {
                try (Stream<Path> files = Files.list(root)) {
                    files.filter(BenchPhotos::isPhoto).sorted().forEach(photos::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("photos " + root + ": cannot list", e);
                }
            } else {
                throw new IllegalArgumentException("photos: " + root + " (expected: a folder or a file; run ./vigil models verify to fetch the reference photos)");
            }
        }
        if (photos.isEmpty()) {
            throw new IllegalArgumentException("photos: no .jpg, .jpeg or .png under " + roots);
        }
        return photos;
    }

    /** The encoded bytes of each photo, read once before anything is measured. */
    public static List<byte[]> read(List<Path> photos) {
        List<byte[]> bytes = new ArrayList<>(photos.size());
        for (Path p : photos) {
            try {
                bytes.add(Files.readAllBytes(p));
            } catch (IOException e) {
                throw new UncheckedIOException("photo " + p + ": cannot read", e);
            }
        }
        return bytes;
    }

    private static boolean isPhoto(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png"));
    }
}
