package dev.vigil.engine.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hash lists written while a server reads them: locking, names, crash leftovers, shrinking, new lists. */
class HashListFolderTest {
    @TempDir
    Path dir;

    private static List<String> hashes(int n, long seed) {
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] h = new byte[32];
            r.nextBytes(h);
            lines.add(HexFormat.of().formatHex(h) + "\tentry " + seed + "-" + i);
        }
        return lines;
    }

    @Test
    void concurrentWritersKeepEveryEntry() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Path>> writes = new ArrayList<>();
            for (int w = 0; w < 16; w++) {
                List<String> lines = hashes(25, w);
                writes.add(pool.submit(() -> HashListFolder.append(dir, "known", lines)));
            }
            for (Future<Path> f : writes) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(16 * 25, HashListReader.read(dir.resolve("known.tsv")).size());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList());
        }
    }

    @Test
    void namesAreCheckedBeforeAnythingIsWrittenAndAKilledWritersTempFilesGo() throws Exception {
        for (String bad : new String[] {"..", ".hidden", "a/b", "", "x".repeat(65)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HashListFolder.append(dir, bad, hashes(1, 1)));
            assertTrue(e.getMessage().startsWith("list name: \"" + bad + "\""), e.getMessage());
        }
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "nothing written for a bad name");
        }
        Path leftover = Files.writeString(dir.resolve(".known.tsv.12345.tmp"), "half a list");
        HashListFolder.append(dir, "known", hashes(2, 2));
        assertFalse(Files.exists(leftover), "the next writer removes what a killed one left");
    }

    @Test
    void aListThatShrinksTooFarKeepsItsLastGoodVersionUntilAccepted() throws Exception {
        Path file = HashListFolder.append(dir, "known", hashes(10, 3));
        try (HashListRegistry registry = HashListRegistry.builder().optFolder(dir).optPollInterval(Duration.ZERO).build()) {
            assertEquals(10, registry.status().get(0).entries());
            Files.writeString(file, ""); // emptied in place
            assertFalse(registry.refresh());
            assertEquals(10, registry.status().get(0).entries(), "the last good version serves on");
            assertEquals(1, registry.refusedReloads());
            assertTrue(registry.status().get(0).lastError().contains("0 entries, down from 10"), registry.status().get(0).lastError());

            Files.write(file, hashes(6, 4)); // lost 40 %: within the default share
            assertTrue(registry.refresh());
            assertEquals(6, registry.status().get(0).entries());

            Files.write(file, hashes(1, 5)); // lost 83 %: refused until the operator accepts exactly this file
            assertFalse(registry.refresh());
            assertEquals(6, registry.status().get(0).entries());
            HashListFolder.accept(dir, "known");
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
            assertTrue(registry.refresh());
            assertEquals(1, registry.status().get(0).entries());

            HashListFolder.append(dir, "created-later", hashes(3, 6)); // a list made while serving is picked up
            assertTrue(registry.refresh());
            assertEquals(List.of("known", "created-later"), registry.status().stream().map(HashListRegistry.ListStatus::name).toList());
        }
    }
}
