package dev.vigil.engine.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The index must return exactly what a linear scan returns. */
class PdqIndexTest {
    private static final int[] DISTANCES = {0, 8, 16, 24, 30, 31, 32, 40, 47, 48, 63, 64, 96, 256};

    @Test
    void findsWhatALinearScanFindsForTheReferenceNeedlesInEveryLayout() throws IOException {
        List<PdqHash> haystack = read(ReferencePhotos.testData().resolve("haystack.txt"));
        List<PdqHash> needles = read(ReferencePhotos.testData().resolve("needles.txt"));
        assertEquals(1350, haystack.size());
        assertEquals(100, needles.size());

        for (int chunkBits : new int[] {0, 6, 8, 11, 16, 22}) {
            PdqIndex.Builder builder = PdqIndex.builder();
            if (chunkBits != 0) {
                builder.optChunkBits(chunkBits);
            }
            for (int i = 0; i < haystack.size(); i++) {
                builder.add(haystack.get(i), "haystack.txt:" + (i + 1));
            }
            PdqIndex index = builder.build();
            long within31 = 0;
            for (PdqHash needle : needles) {
                for (int d : DISTANCES) {
                    List<PdqIndex.Hit> expected = index.scan(needle, d);
                    String where = "needle " + needle + " d=" + d + " chunks=" + index.chunkCount();
                    assertEquals(expected, index.search(needle, d), where);
                    if (d <= 64) {
                        assertEquals(expected, index.probeAny(List.of(needle), d), where);
                    }
                    if (d == 31) {
                        within31 += expected.size();
                    }
                }
            }
            System.out.printf("haystack/needles, %d chunks: %d needle-entry pairs within 31, all equal to the linear scan%n",
                    index.chunkCount(), within31);
            assertTrue(within31 >= needles.size(), "every needle is a near duplicate of some haystack entry: " + within31);
        }
    }

    @Test
    void findsPlantedNearDuplicatesAroundTheThresholdExactlyAsAScanDoes() {
        Random random = new Random(20240611L);
        int n = 100_000;
        List<PdqHash> queries = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            queries.add(randomHash(random));
        }
        int[] plantedDistances = {0, 1, 15, 29, 30, 31, 32, 33, 40};
        PdqHash[] entries = new PdqHash[n];
        int[] plantedFor = new int[n];
        int[] plantedAt = new int[n];
        java.util.Arrays.fill(plantedFor, -1);
        for (int i = 0; i < n; i++) {
            entries[i] = randomHash(random);
        }
        for (int q = 0; q < queries.size(); q++) {
            for (int d : plantedDistances) {
                int slot;
                do {
                    slot = random.nextInt(n);
                } while (plantedFor[slot] >= 0);
                entries[slot] = flipDistinctBits(queries.get(q), d, random);
                plantedFor[slot] = q;
                plantedAt[slot] = d;
            }
        }
        for (int chunkBits : new int[] {0, 12, 20}) {
            PdqIndex.Builder builder = PdqIndex.builder();
            if (chunkBits != 0) {
                builder.optChunkBits(chunkBits);
            }
            for (PdqHash entry : entries) {
                builder.add(entry);
            }
            PdqIndex index = builder.build();
            for (int q = 0; q < queries.size(); q++) {
                for (int d : new int[] {29, 30, 31, 32, 33}) {
                    List<PdqIndex.Hit> hits = index.search(queries.get(q), d);
                    String where = "query " + q + " d=" + d + " chunks=" + index.chunkCount();
                    assertEquals(index.scan(queries.get(q), d), hits, where);
                    assertEquals(hits, index.probeAny(List.of(queries.get(q)), d), where);
                    Set<Integer> found = new HashSet<>();
                    hits.forEach(hit -> found.add(hit.entry()));
                    for (int e = 0; e < n; e++) {
                        if (plantedFor[e] == q) {
                            assertEquals(plantedAt[e] <= d, found.contains(e),
                                    "planted at " + plantedAt[e] + " for query " + q + ", searched within " + d);
                        }
                    }
                }
            }
        }
    }

    @Test
    void searchAnyKeepsEachEntryOnceWithItsNearestQuery() {
        Random random = new Random(99);
        PdqIndex.Builder builder = PdqIndex.builder();
        for (int i = 0; i < 5000; i++) {
            builder.add(randomHash(random));
        }
        PdqHash a = randomHash(random);
        PdqHash b = flipDistinctBits(a, 20, random);
        builder.add(flipDistinctBits(a, 10, random), "near a");
        builder.add(flipDistinctBits(b, 5, random), "near b");
        PdqIndex index = builder.build();
        List<PdqHash> queries = List.of(randomHash(random), a, b);
        for (int d : DISTANCES) {
            assertEquals(index.scanAny(queries, d), index.searchAny(queries, d), "d=" + d);
            if (d <= 48) {
                assertEquals(index.scanAny(queries, d), index.probeAny(queries, d), "d=" + d);
            }
        }
        List<PdqIndex.Hit> hits = index.searchAny(queries, 31);
        assertEquals(2, hits.size(), hits.toString());
        for (PdqIndex.Hit hit : hits) {
            String label = index.label(hit.entry());
            int nearest = Math.min(index.hash(hit.entry()).hammingDistance(a), index.hash(hit.entry()).hammingDistance(b));
            assertEquals(nearest, hit.distance(), label);
            assertEquals(label.equals("near a") ? 1 : 2, hit.query(), label);
        }
    }

    @Test
    void duplicatesAndLabelsAreKeptPerEntry() {
        PdqHash hash = PdqHash.fromHex("e64cc9d91e623842f8d1f1d9a398e78c9f199a3bd87924f2b7e11e0bf061b064");
        PdqIndex index = PdqIndex.builder().add(hash, "first").add(hash).add(hash, "drittes – ü").build();
        List<PdqIndex.Hit> hits = index.search(hash, 0);
        assertEquals(List.of(new PdqIndex.Hit(0, 0, 0), new PdqIndex.Hit(1, 0, 0), new PdqIndex.Hit(2, 0, 0)), hits);
        assertEquals("first", index.label(0));
        assertNull(index.label(1));
        assertEquals("drittes – ü", index.label(2));
        assertEquals(hash, index.hash(2));
    }

    @Test
    void emptyIndexAndBadDistances() {
        PdqIndex empty = PdqIndex.builder().build();
        assertEquals(List.of(), empty.search(PdqHash.ZERO, 31));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> empty.search(PdqHash.ZERO, 257));
        assertEquals("maxDistance: 257 (expected: 0..256)", e.getMessage());
    }

    static PdqHash randomHash(Random random) {
        return new PdqHash(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
    }

    static PdqHash flipDistinctBits(PdqHash hash, int count, Random random) {
        Set<Integer> bits = new HashSet<>();
        while (bits.size() < count) {
            bits.add(random.nextInt(PdqHash.BITS));
        }
        PdqHash result = hash;
        for (int bit : bits) {
            result = result.flipBit(bit);
        }
        return result;
    }

    private static List<PdqHash> read(Path file) throws IOException {
        List<PdqHash> hashes = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                hashes.add(PdqHash.fromHex(line.strip()));
            }
        }
        return hashes;
    }
}
