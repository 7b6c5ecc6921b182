package dev.vigil.bench.jmh;

import dev.vigil.engine.hash.PdqHash;
import dev.vigil.engine.hash.PdqIndex;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One question: what does looking one image up in a hash list of {@code size} entries cost,
 * within PDQ distance {@code distance}?
 *
 * <p>The index is built once per trial ({@code @Setup(Level.Trial)}) from seeded uniformly
 * random hashes, which fill its buckets evenly; real lists are clustered, and a query near a
 * cluster checks more candidates. Queries are list entries with 16 to 31 random bits flipped
 * (seeded), so each has at least one answer; a pool of {@value #QUERIES} is made in setup and
 * the operations walk it. {@code oneHash}: one {@link PdqIndex#search}; {@code eightHashes}:
 * one {@link PdqIndex#searchAny} over eight hashes, the registry's real path (an image and its
 * seven dihedral variants). The hit lists are returned. See also the engine's
 * {@code PdqIndexMeasurement}, which compares with a linear scan and reports memory.
 *
 * <p>Measured, SMOKE ONLY (./vigil bench jmh --quick: 1 fork, 1 x 1 s warm-up, 2 x 1 s iterations, on the shared
 * 2-core build machine at load average 3 to 4; to be replaced by a --full run on a quiet machine): oneHash 169 us, eightHashes 1339 us, in line with PdqIndexMeasurement's
 * 135-168 and 1110-1260 us. Reading: a 1M-entry list adds about 1.3 ms per image.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx3g")
@State(Scope.Benchmark)
public class PdqIndexBenchmark {
    static final int QUERIES = 4096;

    @Param({"1000000"})
    int size;

    @Param({"31"})
    int distance;

    private PdqIndex index;
    private List<PdqHash> queries;

    @Setup(Level.Trial)
    public void build() {
        SplittableRandom random = new SplittableRandom(size);
        PdqIndex.Builder builder = PdqIndex.builder();
        for (int i = 0; i < size; i++) {
            builder.add(new PdqHash(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong()));
        }
        index = builder.build();
        PdqHash[] pool = new PdqHash[QUERIES];
        for (int q = 0; q < QUERIES; q++) {
            PdqHash query = index.hash(random.nextInt(size));
            int flips = 16 + random.nextInt(16);
            for (int f = 0; f < flips; f++) {
                query = query.flipBit(random.nextInt(PdqHash.BITS));
            }
            pool[q] = query;
        }
        queries = List.of(pool);
    }

    /** Per thread, where in the query pool it is. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        int advance(int by) {
            int at = next;
            next = (next + by) % QUERIES;
            return at;
        }
    }

    @Benchmark
    public List<PdqIndex.Hit> oneHash(Cursor cursor) {
        return index.search(queries.get(cursor.advance(1)), distance);
    }

    @Benchmark
    public List<PdqIndex.Hit> eightHashes(Cursor cursor) {
        int from = cursor.advance(8);
        return index.searchAny(queries.subList(from, from + 8), distance);
    }
}
