package dev.vigil.models.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.DefaultModels.PinnedPackage;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verification and unpacking, with tarballs made here and placed in the cache (no network). */
class PackageFetcherTest {
    @TempDir
    Path cache;
    private VigilPaths paths;
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void paths() {
        paths = new VigilPaths(cache, cache.resolve("models"));
    }

    private static void tarball(Path file, String... nameAndContent) throws Exception {
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            for (int i = 0; i < nameAndContent.length; i += 2) {
                byte[] bytes = nameAndContent[i + 1].getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(nameAndContent[i]);
                entry.setSize(bytes.length);
                tar.putArchiveEntry(entry);
                tar.write(bytes);
                tar.closeArchiveEntry();
            }
        }
    }

    @Test
    void verifiesUnpacksAndDoesNotFetchAgain() throws Exception {
        Path tgz = paths.tarballs().resolve("tiny-1.0.0.tgz");
        tarball(tgz, "package/package.json", "{\"name\":\"tiny\"}", "package/models/m.json", "{}");
        PinnedPackage pkg = new PinnedPackage("tiny", "1.0.0", PackageFetcher.integrityOf(tgz), "MIT");
        PackageFetcher fetcher = new PackageFetcher(paths, log::add);
        Path dir = fetcher.fetch(pkg);
        assertEquals(paths.packages().resolve("tiny-1.0.0"), dir);
        assertEquals("{}", Files.readString(dir.resolve("models/m.json")));
        assertTrue(fetcher.isFetched(pkg));
        Files.delete(tgz); // a second fetch must not need the tarball, nor npm
        assertEquals(dir, fetcher.fetch(pkg));
        assertTrue(log.get(log.size() - 1).contains("already fetched and verified"), log.toString());
    }

    @Test
    void tamperedTarballIsRefusedAndNothingUnpacked() throws Exception {
        Path tgz = paths.tarballs().resolve("tiny-1.0.0.tgz");
        tarball(tgz, "package/package.json", "{\"name\":\"tiny\"}");
        String pinned = PackageFetcher.integrityOf(tgz);
        tarball(tgz, "package/package.json", "{\"name\":\"evil\"}");
        PinnedPackage pkg = new PinnedPackage("tiny", "1.0.0", pinned, "MIT");
        FetchException e = assertThrows(FetchException.class, () -> new PackageFetcher(paths, log::add).fetch(pkg));
        assertTrue(e.getMessage().startsWith("tarball " + tgz + ": integrity sha512-"), e.getMessage());
        assertTrue(e.getMessage().contains("(expected: " + pinned + ", pinned for tiny@1.0.0)"), e.getMessage());
        assertFalse(Files.exists(paths.packages().resolve("tiny-1.0.0")));
    }

    @Test
    void entriesEscapingThePackageFolderAreRefused() throws Exception {
        Path tgz = paths.tarballs().resolve("tiny-1.0.0.tgz");
        tarball(tgz, "package/../../escape.txt", "x");
        PinnedPackage pkg = new PinnedPackage("tiny", "1.0.0", PackageFetcher.integrityOf(tgz), "MIT");
        FetchException e = assertThrows(FetchException.class, () -> new PackageFetcher(paths, log::add).fetch(pkg));
        assertTrue(e.getMessage().contains("points outside the package folder"), e.getMessage());
        assertFalse(Files.exists(cache.resolve("escape.txt")));
        assertFalse(Files.exists(paths.packages().resolve("tiny-1.0.0")));
    }

    @Test
    void scopedPackageFolderName() {
        assertEquals("vladmandic-human-3.3.6", new PinnedPackage("@vladmandic/human", "3.3.6", "x", "MIT").folderName());
    }
}
