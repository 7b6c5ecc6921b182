package dev.vigil.engine.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashListRegistryTest {
    private static final PdqHasher HASHER = new PdqHasher();

    @TempDir
    Path dir;

    @Test
    void aMirroredCopyOfAListedPhotoMatchesThroughItsDihedralHash() throws IOException {
        ReferencePhotos.Photo listed = ReferencePhotos.photo("q0291.jpg");
        ReferencePhotos.Photo other = ReferencePhotos.photo("q0122.jpg");
        ReferencePhotos.Photo flat = ReferencePhotos.photo("q0003.jpg");
        PdqResult flatResult = flat.hash(HASHER);
        Path file = write("known.csv", "hash,label\n# from the reference data\n" + listed.hash(HASHER).hash() + ",q0291\n"
                + flatResult.hash() + ",flat q0003\n");

        try (HashListRegistry registry = HashListRegistry.builder().addList("known", file).optPollInterval(Duration.ZERO).build()) {
            PdqResult mirrored = ReferencePhotos.turn(listed, Dihedral.FLIP_Y).hash(HASHER);
            assertTrue(mirrored.hash().hammingDistance(listed.hash(HASHER).hash()) > 31,
                    "the mirrored photo's own hash is far from the listed one: only the dihedral hashes can match it");
            HashMatchResult result = registry.match(mirrored);
            assertEquals(HashMatchResult.Outcome.MATCHED, result.outcome());
            HashMatch match = result.matches().get(0);
            assertEquals("known", match.list());
            assertEquals("q0291", match.label());
            assertEquals(Dihedral.FLIP_Y, match.transform());
            assertTrue(match.distance() <= 31, "distance " + match.distance());
            System.out.println("mirrored q0291 matched the listed original at distance " + match.distance() + " via " + match.transform());

            assertEquals(HashMatchResult.Outcome.NO_MATCH, registry.match(other.hash(HASHER)).outcome());

            HashMatchResult flatMatch = registry.match(flatResult);
            assertEquals(HashMatchResult.Outcome.LOW_QUALITY, flatMatch.outcome());
            assertEquals(flatResult.quality(), flatMatch.quality());
            assertTrue(flatMatch.matches().isEmpty(), "a low-quality image is not compared even with its own hash listed");
        }
    }

    @Test
    void theDistanceIsConfigurableAndCountsTheSameOnEveryList() throws IOException {
        Random random = new Random(5);
        PdqHash image = PdqIndexTest.randomHash(random);
        Path a = write("a.tsv", PdqIndexTest.flipDistinctBits(image, 31, random) + "\tat 31\n");
        Path b = write("b.tsv", PdqIndexTest.flipDistinctBits(image, 32, random) + "\tat 32\n"
                + PdqIndexTest.flipDistinctBits(image, 20, random) + "\tat 20\n");
        PdqResult result = resultOf(image, random);
        try (HashListRegistry defaults = HashListRegistry.builder().addList("a", a).addList("b", b)
                .optPollInterval(Duration.ZERO).build()) {
            HashMatchResult matched = defaults.match(result);
            assertEquals(List.of("at 20", "at 31"), matched.matches().stream().map(HashMatch::label).toList());
            assertEquals(List.of("b", "a"), matched.matches().stream().map(HashMatch::list).toList());
            assertEquals(Dihedral.ORIGINAL, matched.matches().get(0).transform());
        }
        try (HashListRegistry strict = HashListRegistry.builder().addList("a", a).addList("b", b).optMaxDistance(30)
                .optMaxMatches(1).optPollInterval(Duration.ZERO).build()) {
            HashMatchResult matched = strict.match(result);
            assertEquals(1, matched.totalMatches());
            assertEquals("at 20", matched.matches().get(0).label());
        }
    }

    @Test
    void aReplacedFileIsReloadedAndABadOneKeepsTheOldListAndSaysWhy() throws IOException {
        Random random = new Random(11);
        PdqHash first = PdqIndexTest.randomHash(random);
        PdqHash second = PdqIndexTest.randomHash(random);
        Path file = write("list.tsv", first + "\tfirst\n");
        try (HashListRegistry registry = HashListRegistry.builder().addList("list", file).optPollInterval(Duration.ZERO).build()) {
            assertTrue(registry.match(resultOf(first, random)).matched());
            assertFalse(registry.refresh(), "nothing changed");

            replace(file, first + "\tfirst\n" + second + "\tsecond\n");
            assertTrue(registry.refresh());
            assertTrue(registry.match(resultOf(second, random)).matched());
            assertEquals(2, registry.status().get(0).entries());

            replace(file, second + "\tsecond\n" + "not-a-hash\tthird\n" + first + "\n");
            assertFalse(registry.refresh());
            HashListRegistry.ListStatus status = registry.status().get(0);
            assertEquals(2, status.entries(), "the old list stays");
            assertTrue(status.lastError().startsWith(file + ":2: hash: \"not-a-hash\" has 10 characters (expected: 64 hex digits)"
                    + "; keeping the 2 entries loaded "), status.lastError());
            assertTrue(registry.match(resultOf(first, random)).matched(), "still matching against the old list");

            Files.delete(file);
            assertFalse(registry.refresh());
            assertTrue(registry.status().get(0).lastError().startsWith(file + ": no such file; keeping the 2 entries"),
                    registry.status().get(0).lastError());

            replace(file, second + "\tsecond only\n");
            assertTrue(registry.refresh());
            assertNull(registry.status().get(0).lastError());
            assertFalse(registry.match(resultOf(first, random)).matched());
            assertEquals("second only", registry.match(resultOf(second, random)).matches().get(0).label());
        }
    }

    @Test
    void thePollingThreadPicksUpAReplacedFile() throws Exception {
        Random random = new Random(3);
        PdqHash hash = PdqIndexTest.randomHash(random);
        Path file = write("watched.tsv", "# empty for now\n");
        try (HashListRegistry registry = HashListRegistry.builder().addList("watched", file)
                .optPollInterval(Duration.ofMillis(20)).build()) {
            PdqResult image = resultOf(hash, random);
            assertFalse(registry.match(image).matched());
            replace(file, hash + "\tadded while running\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!registry.match(image).matched() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("added while running", registry.match(image).matches().get(0).label());
        }
    }

    /**
     * Version 1 lists the image's hash 200 times labelled v1, version 2 300 times labelled v2.
     * While the file flips between them and the registry reloads, every answer must be one
     * whole version.
     */
    @Test
    void readersNeverSeeAHalfLoadedList() throws Exception {
        Random random = new Random(17);
        PdqHash hash = PdqIndexTest.randomHash(random);
        String v1 = (hash + "\tv1\n").repeat(200);
        String v2 = (hash + "\tv2\n").repeat(300);
        Path file = write("flipping.tsv", v1);
        PdqResult image = resultOf(hash, random);
        try (HashListRegistry registry = HashListRegistry.builder().addList("flipping", file).optMaxMatches(1000)
                .optPollInterval(Duration.ofMillis(1)).build()) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger answers = new AtomicInteger();
            List<String> problems = Collections.synchronizedList(new ArrayList<>());
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                Thread reader = new Thread(() -> {
                    while (!stop.get()) {
                        HashMatchResult result = registry.match(image);
                        long v1Count = result.matches().stream().filter(m -> m.label().equals("v1")).count();
                        boolean whole = (result.totalMatches() == 200 && v1Count == 200)
                                || (result.totalMatches() == 300 && v1Count == 0);
                        if (!whole) {
                            problems.add(result.totalMatches() + " matches, " + v1Count + " of them v1");
                        }
                        answers.incrementAndGet();
                    }
                });
                reader.start();
                readers.add(reader);
            }
            int reloads = 0;
            for (int i = 0; i < 40; i++) {
                replace(file, i % 2 == 0 ? v2 : v1);
                reloads += registry.refresh() ? 1 : 0; // races with the polling thread; either reloads
            }
            stop.set(true);
            for (Thread reader : readers) {
                reader.join();
            }
            assertTrue(problems.isEmpty(), problems.size() + " torn answers, first: " + (problems.isEmpty() ? "" : problems.get(0)));
            assertTrue(answers.get() > 40, "answers " + answers.get());
            System.out.println("flipping list: " + answers.get() + " answers during 40 replacements (" + reloads
                    + " reloaded by refresh, the rest by polling), none torn");
        }
    }

    @Test
    void startingWithABadListFailsAndClosedRegistriesRefuseWork() throws IOException {
        Path bad = write("bad.tsv", "abc\n");
        HashListException e = assertThrows(HashListException.class,
                () -> HashListRegistry.builder().addList("bad", bad).build());
        assertEquals(bad + ":1: hash: \"abc\" has 3 characters (expected: 64 hex digits)", e.getMessage());
        assertThrows(HashListException.class,
                () -> HashListRegistry.builder().addList("gone", dir.resolve("gone.tsv")).build());
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> HashListRegistry.builder().addList("no spaces", bad));
        assertTrue(name.getMessage().startsWith("list name: \"no spaces\" (expected: "), name.getMessage());

        Path good = write("good.tsv", "");
        HashListRegistry registry = HashListRegistry.builder().addList("good", good).build();
        registry.close();
        assertThrows(IllegalStateException.class, () -> registry.match(resultOf(PdqHash.ZERO, new Random(1))));
    }

    /** A high-quality result for a given hash, with unrelated random hashes for the seven turns. */
    private static PdqResult resultOf(PdqHash hash, Random random) {
        List<PdqHash> dihedral = new ArrayList<>();
        dihedral.add(hash);
        for (int i = 1; i < Dihedral.values().length; i++) {
            dihedral.add(PdqIndexTest.randomHash(random));
        }
        return new PdqResult(hash, 100, dihedral);
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    /** How list files should be replaced: write aside, rename over. */
    private void replace(Path file, String content) throws IOException {
        Path aside = Files.createTempFile(dir, "next", ".tmp");
        Files.writeString(aside, content);
        Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
