package dev.vigil.models.verify;

import dev.vigil.models.FileTrees;
import dev.vigil.models.ModelException;
import dev.vigil.models.VigilPaths;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs the original models in their original runtime: {@code models/reference/reference.mjs}
 * (Node, TensorFlow.js 4.22.0 CPU backend, nsfwjs 4.4.0, versions pinned by its lockfile)
 * writes reference inputs and outputs into {@code <cache>/reference/<model>/}. The script and
 * lockfile travel in this jar; they are copied into {@code <cache>/reference-runtime/} and
 * installed there with {@code npm ci} (once per lockfile), so nothing lands in the work tree.
 * Photos with faces come from {@code fetch-photos.sh} (a Debian package, checksums pinned)
 * into {@code <cache>/photos/}. Not thread-safe: one run at a time per cache.
 */
public final class ReferenceRuntime {
    private static final String RESOURCES = "/dev/vigil/models/reference/";
    private static final List<String> FILES = List.of("package.json", "package-lock.json", "reference.mjs", "fetch-photos.sh");
    private static final long TIMEOUT_MINUTES = 30;

    private final VigilPaths paths;
    private final Consumer<String> progress;

    public ReferenceRuntime(VigilPaths paths, Consumer<String> progress) {
        this.paths = paths;
        this.progress = progress;
    }

    public Path runtimeDir() {
        return paths.cache().resolve("reference-runtime");
    }

    public Path photosDir() {
        return paths.cache().resolve("photos");
    }

    /** The file beside each model's reference outputs that names the inputs they were recorded from. */
    public static final String INPUT_KEY_FILE = "inputs.sha256";

    /**
     * The SHA-256 of everything a reference run reads besides the pinned packages: the runtime's
     * script and lockfile, and every photo (name and bytes) in the cache's face photos and
     * {@code extraPhotos}. Outputs recorded under another key are stale, never reused.
     */
    public String inputKey(List<Path> extraPhotos) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String file : FILES) {
                try (InputStream in = ReferenceRuntime.class.getResourceAsStream(RESOURCES + file)) {
                    if (in == null) {
                        throw new ModelException(RESOURCES + file + ": missing from the vigil-models jar");
                    }
                    sha.update((file + "\n").getBytes(StandardCharsets.UTF_8));
                    sha.update(in.readAllBytes());
                }
            }
            for (Path dir : photoDirs(extraPhotos)) {
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path photo : files.filter(Files::isRegularFile).sorted().toList()) {
                        sha.update(("\n" + photo.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
                        sha.update(Files.readAllBytes(photo));
                    }
                }
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new ModelException("reference inputs: cannot read (" + e.getMessage() + ")", e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** Whether {@code model}'s reference outputs exist and were recorded from the inputs whose {@link #inputKey} is {@code key}. */
    public boolean current(String model, String key) {
        Path dir = paths.reference().resolve(model);
        Path keyFile = dir.resolve(INPUT_KEY_FILE);
        try {
            return Files.isRegularFile(dir.resolve("cases.json")) && Files.isRegularFile(keyFile)
                    && Files.readString(keyFile).strip().equals(key);
        } catch (IOException e) {
            return false;
        }
    }

    private List<Path> photoDirs(List<Path> extraPhotos) {
        List<Path> dirs = new ArrayList<>();
        dirs.add(photosDir());
        extraPhotos.stream().filter(Files::isDirectory).forEach(dirs::add);
        return dirs;
    }

    /**
     * Writes reference outputs for the given models (all five when empty).
     *
     * @param nsfwjs      the unpacked nsfwjs package
     * @param human       the unpacked @vladmandic/human package
     * @param extraPhotos further folders of photos (for example the shared PDQ test images)
     */
    public void run(Path nsfwjs, Path human, List<Path> extraPhotos, List<String> models) {
        install();
        fetchPhotos();
        List<String> photoDirs = photoDirs(extraPhotos).stream().map(Path::toString).toList();
        String key = inputKey(extraPhotos);
        Path out = paths.reference();
        Path staging = paths.cache().resolve(".reference-staging");
        FileTrees.delete(staging);
        List<String> command = new ArrayList<>(List.of("node", "reference.mjs", "--nsfwjs", nsfwjs.toString(), "--human", human.toString(),
                "--photos", String.join(",", photoDirs), "--out", staging.toString()));
        if (!models.isEmpty()) {
            command.addAll(List.of("--models", String.join(",", models)));
        }
        progress.accept("reference: running the original models in Node + TensorFlow.js (minutes on 2 cores) ...");
        long start = System.nanoTime();
        exec(command, runtimeDir(), "node reference.mjs");
        try {
            Files.createDirectories(out);
            try (Stream<Path> written = Files.list(staging)) {
                for (Path model : written.toList()) {
                    Path target = out.resolve(model.getFileName());
                    Files.writeString(model.resolve(INPUT_KEY_FILE), key + "\n");
                    FileTrees.delete(target);
                    Files.move(model, target);
                }
            }
        } catch (IOException e) {
            throw new ModelException(out + ": cannot store reference outputs (" + e.getMessage() + ")", e);
        } finally {
            FileTrees.delete(staging);
        }
        progress.accept(String.format("reference: done in %.0f s -> %s", (System.nanoTime() - start) / 1e9, out));
    }

    /** Copies the runtime out of the jar and runs {@code npm ci} when its lockfile changed. */
    void install() {
        Path dir = runtimeDir();
        try {
            Files.createDirectories(dir);
            boolean lockChanged = false;
            for (String file : FILES) {
                byte[] bytes;
                try (InputStream in = ReferenceRuntime.class.getResourceAsStream(RESOURCES + file)) {
                    if (in == null) {
                        throw new ModelException(RESOURCES + file + ": missing from the vigil-models jar");
                    }
                    bytes = in.readAllBytes();
                }
                Path target = dir.resolve(file);
                if (!Files.exists(target) || !Arrays.equals(Files.readAllBytes(target), bytes)) {
                    Files.write(target, bytes);
                    lockChanged |= file.equals("package-lock.json");
                }
            }
            dir.resolve("fetch-photos.sh").toFile().setExecutable(true);
            if (lockChanged || !Files.isDirectory(dir.resolve("node_modules"))) {
                progress.accept("reference: npm ci in " + dir + " ...");
                exec(List.of("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"), dir, "npm ci");
            }
        } catch (IOException e) {
            throw new ModelException(dir + ": cannot set up the reference runtime (" + e.getMessage() + ")", e);
        }
    }

    private void fetchPhotos() {
        Path photos = photosDir();
        if (Files.isRegularFile(photos.resolve("astronaut.png"))) {
            return;
        }
        progress.accept("reference: fetching photos with faces into " + photos + " ...");
        exec(List.of("bash", runtimeDir().resolve("fetch-photos.sh").toString(), photos.toString()), runtimeDir(), "fetch-photos.sh");
    }

    private void exec(List<String> command, Path dir, String what) {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new ModelException(what + ": cannot start " + command.get(0) + " (" + e.getMessage() + "); the reference runtime needs Node.js and npm", e);
        }
        List<String> tail = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (!line.isBlank()) {
                    progress.accept("  " + line);
                    tail.add(line);
                }
            }
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new ModelException(what + ": did not finish within " + TIMEOUT_MINUTES + " minutes");
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
            throw new ModelException(what + ": failed (" + e + ")", e);
        }
        if (process.exitValue() != 0) {
            throw new ModelException(what + ": exited " + process.exitValue() + ": "
                    + String.join("\n  ", tail.subList(Math.max(0, tail.size() - 8), tail.size())));
        }
    }
}
