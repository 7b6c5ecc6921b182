package dev.vigil.engine.hash;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One question: how much faster than a linear scan is {@link PdqIndex} at 1M and 10M hashes,
 * and what does it hold in memory? Not a test (nothing is asserted on time); run by hand:
 *
 * <pre>
 * mvn -q -B -o -f engine/pom.xml test-compile
 * java -Xmx5g -cp engine/target/classes:engine/target/test-classes dev.vigil.engine.hash.PdqIndexMeasurement
 * </pre>
 *
 * Arguments: sizes (default {@code 1000000 10000000}). Hashes are uniformly random (seeded),
 * which fills the buckets evenly; real PDQ lists are clustered and fill some buckets more, so
 * queries near a cluster check more candidates. Each query is a list entry with 16-31 random
 * bits flipped, so it has at least one answer; the distance is 31. Every timed answer is
 * compared with the scan's, which also keeps the JIT from dropping the work.
 *
 * <p>Measured on the shared 2-core build machine (OpenJDK 17, -Xmx5g, load about 1, three
 * runs; ranges are run to run), distance 31, default layout:
 * <pre>
 * entries  chunks  build  index MiB  heap MiB  B/entry  index us/query  scan ms/query  speedup  8 queries: index us  scan ms  speedup
 * 1M       14x18b  0.3 s  102        114       107      135-168         4.2-4.3        26-31x   1110-1260            27       21-25x
 * 10M      12x21b  3.2 s  891        964       93       446-480         34.6-37.0      72-83x   3570-3830            207-209  54-58x
 * </pre>
 * Reading: an index query costs a few thousand random reads (table probes plus candidate
 * checks) where a scan streams every entry, so the gap widens with size: about 30x at 1M and
 * 75x at 10M. The "8 queries" columns are the registry's real path, one image against one
 * list with all its dihedral hashes. Memory is about 100 bytes an entry: 32 of hash, 4 per
 * chunk of postings (14 or 12 chunks) and the bucket offset tables (about 18 and 13 bytes an
 * entry); heap MiB is the growth of the live heap after a GC. {@code -Dvigil.chunkBits=16} at 1M gives 100 B/entry and the same speed; 20 at 10M
 * (13 chunks) is 1.5x slower than the default 22.
 */
public final class PdqIndexMeasurement {
    private static final int DISTANCE = 31;
    private static final int PROBE_QUERIES = 2000;
    private static final int SCAN_QUERIES = 20;
    /** {@code -Dvigil.chunkBits=N} overrides the index's default chunk width, to compare layouts. */
    private static final int CHUNK_BITS = Integer.getInteger("vigil.chunkBits", 0);

    private PdqIndexMeasurement() {
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {1_000_000, 10_000_000} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.printf("%-9s %-6s %-8s %-9s %-9s %-8s %-13s %-14s %-14s %-8s %-14s %-14s %s%n", "entries", "chunks",
                "build s", "index MiB", "heap MiB", "B/entry", "index us p50", "index us mean", "scan ms", "speedup",
                "index 8q us", "scan 8q ms", "speedup 8q");
        for (int size : sizes) {
            measure(size);
        }
    }

    private static void measure(int size) {
        Random random = new Random(size);
        long heapBefore = usedHeapAfterGc();
        long start = System.nanoTime();
        PdqIndex.Builder builder = PdqIndex.builder();
        if (CHUNK_BITS != 0) {
            builder.optChunkBits(CHUNK_BITS);
        }
        for (int i = 0; i < size; i++) {
            builder.add(new PdqHash(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong()));
        }
        PdqIndex index = builder.build();
        builder = null;
        double buildSeconds = (System.nanoTime() - start) / 1e9;
        long heap = usedHeapAfterGc() - heapBefore;

        List<PdqHash> queries = new ArrayList<>();
        for (int i = 0; i < PROBE_QUERIES; i++) {
            PdqHash query = index.hash(random.nextInt(size));
            int flips = 16 + random.nextInt(16);
            for (int f = 0; f < flips; f++) {
                query = query.flipBit(random.nextInt(PdqHash.BITS));
            }
            queries.add(query);
        }
        // Warm-up, then check every timed answer against the scan on a sample.
        long checksum = 0;
        for (int i = 0; i < 200; i++) {
            checksum += index.search(queries.get(i), DISTANCE).size();
        }
        long[] probeNanos = new long[PROBE_QUERIES];
        List<List<PdqIndex.Hit>> answers = new ArrayList<>();
        for (int i = 0; i < PROBE_QUERIES; i++) {
            long t = System.nanoTime();
            List<PdqIndex.Hit> hits = index.search(queries.get(i), DISTANCE);
            probeNanos[i] = System.nanoTime() - t;
            answers.add(hits);
            checksum += hits.size();
        }
        // The registry's path: eight hashes per image (the query and seven others).
        long eightNanos = 0;
        int eightRounds = PROBE_QUERIES / 8;
        for (int i = 0; i < eightRounds; i++) {
            List<PdqHash> eight = queries.subList(8 * i, 8 * i + 8);
            long t = System.nanoTime();
            checksum += index.searchAny(eight, DISTANCE).size();
            eightNanos += System.nanoTime() - t;
        }
        long scanNanos = 0;
        for (int i = 0; i < SCAN_QUERIES; i++) {
            long t = System.nanoTime();
            List<PdqIndex.Hit> scanned = index.scan(queries.get(i), DISTANCE);
            scanNanos += System.nanoTime() - t;
            if (!scanned.equals(answers.get(i))) {
                throw new AssertionError("index and scan differ for query " + i + ": " + answers.get(i) + " vs " + scanned);
            }
        }
        long scanEightNanos = 0;
        for (int i = 0; i < SCAN_QUERIES / 4; i++) {
            List<PdqHash> eight = queries.subList(8 * i, 8 * i + 8);
            long t = System.nanoTime();
            List<PdqIndex.Hit> scanned = index.scanAny(eight, DISTANCE);
            scanEightNanos += System.nanoTime() - t;
            if (!scanned.equals(index.searchAny(eight, DISTANCE))) {
                throw new AssertionError("index and scan differ for eight queries from " + 8 * i);
            }
        }
        long[] sorted = probeNanos.clone();
        Arrays.sort(sorted);
        double probeMeanMicros = Arrays.stream(probeNanos).average().orElse(0) / 1e3;
        double scanMillis = scanNanos / 1e6 / SCAN_QUERIES;
        double eightMicros = eightNanos / 1e3 / eightRounds;
        double scanEightMillis = scanEightNanos / 1e6 / (SCAN_QUERIES / 4);
        System.out.printf("%-9d %-6d %-8.1f %-9.0f %-9.0f %-8.1f %-13.1f %-14.1f %-14.2f %5.0fx   %-14.1f %-14.2f %.0fx   (answers %d)%n",
                size, index.chunkCount(), buildSeconds, index.memoryBytes() / 1048576.0, heap / 1048576.0,
                (double) index.memoryBytes() / size, sorted[sorted.length / 2] / 1e3, probeMeanMicros, scanMillis,
                scanMillis * 1e3 / probeMeanMicros, eightMicros, scanEightMillis, scanEightMillis * 1e3 / eightMicros, checksum);
        if (index.size() != size) {
            throw new AssertionError("size " + index.size());
        }
    }

    private static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
