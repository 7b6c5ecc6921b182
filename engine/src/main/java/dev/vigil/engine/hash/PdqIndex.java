package dev.vigil.engine.hash;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable set of labelled PDQ hashes that finds every entry within a Hamming distance of
 * a query: exactly the entries a linear scan finds, much faster. Thread-safe once built.
 *
 * <p>Multi-index hashing (Norouzi, Punjani and Fleet, "Fast Search in Hamming Space with
 * Multi-Index Hashing", CVPR 2012). The 256 bits are cut into {@code m} contiguous chunks of
 * about {@code 256 / m} bits, and each chunk has a table from chunk value to the entries
 * holding it. Write the query distance {@code r = a m + b} with {@code 0 <= b < m}: if an
 * entry is within {@code r}, then one of the first {@code b + 1} chunks is within {@code a}
 * of the query's chunk, or one of the others within {@code a - 1}; otherwise the chunks
 * would differ in at least {@code (b + 1)(a + 1) + (m - b - 1) a = r + 1} bits. So probing
 * every chunk value within that radius of the query's finds every answer. With the default
 * layout and {@code r = 31} at 10M entries (12 chunks of 21-22 bits) the first 8 chunks are
 * probed to radius 2 and the last 4 to radius 1: about 1,950 table probes and, for random
 * hashes, 9,000 candidates, most rejected on their first 128 bits. An entry found through
 * several chunks is reported only from the first chunk that would find it, so no per-query
 * set of seen entries is needed. When the radius is so large that probing would cost more
 * than reading everything, the search reads everything; the answer is the same.
 *
 * <p>Memory, all in flat primitive arrays (no object per entry): 32 bytes of hash and 4
 * bytes of posting per chunk per entry, {@code 2^w + 1} ints of bucket offsets per chunk of
 * {@code w} bits, and label bytes (UTF-8) plus 4 bytes per entry when any entry has a
 * label. {@link #memoryBytes()} gives the exact figure; the measured numbers are beside
 * {@code PdqIndexMeasurement} in the tests.
 */
public final class PdqIndex {
    /** Longest chunk the default layout uses: a 2^22-entry offset table is 16 MiB. */
    public static final int MAX_DEFAULT_CHUNK_BITS = 22;

    /** One answer: entry {@code entry} lies {@code distance} bits from query number {@code query}. */
    public record Hit(int entry, int distance, int query) {
    }

    private static final Comparator<Hit> ORDER = Comparator.comparingInt(Hit::distance).thenComparingInt(Hit::entry);

    /**
     * A table probe or candidate check (a random read) is taken to cost as much as reading
     * this many entries in order; probing gives way to a full read when it would cost more.
     */
    private static final int RANDOM_ACCESS_COST = 20;

    private final int size;
    /** Entry {@code i} is words {@code 4i .. 4i + 3}, as in {@link PdqHash}. */
    private final long[] words;
    /** Labels in UTF-8, back to back; null when no entry has one. */
    private final byte[] labelBytes;
    /** Label {@code i} ends at {@code labelEnds[i]} and starts where label {@code i - 1} ends. */
    private final int[] labelEnds;
    private final Chunk[] chunks;

    /**
     * Bits {@code [start, start + width)} of every entry. Entries whose chunk has value
     * {@code v} are {@code postings[offsets[v] .. offsets[v + 1])}, in ascending order.
     */
    private record Chunk(int start, int width, int[] offsets, int[] postings) {
        long valueOf(long w0, long w1, long w2, long w3) {
            return chunkValue(w0, w1, w2, w3, start, width);
        }
    }

    private PdqIndex(int size, long[] words, byte[] labelBytes, int[] labelEnds, int chunkBits) {
        this.size = size;
        this.words = words;
        this.labelBytes = labelBytes;
        this.labelEnds = labelEnds;
        this.chunks = buildChunks(size, words, chunkBits);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Number of entries. */
    public int size() {
        return size;
    }

    public PdqHash hash(int entry) {
        checkEntry(entry);
        int base = 4 * entry;
        return new PdqHash(words[base], words[base + 1], words[base + 2], words[base + 3]);
    }

    /** The entry's label, or null when it has none. */
    public String label(int entry) {
        checkEntry(entry);
        if (labelEnds == null) {
            return null;
        }
        int start = entry == 0 ? 0 : labelEnds[entry - 1];
        int end = labelEnds[entry];
        return start == end ? null : new String(labelBytes, start, end - start, StandardCharsets.UTF_8);
    }

    /** Number of chunks the 256 bits are cut into. */
    public int chunkCount() {
        return chunks.length;
    }

    /** Bytes held by the index's arrays. */
    public long memoryBytes() {
        long bytes = 8L * words.length;
        if (labelBytes != null) {
            bytes += labelBytes.length + 4L * labelEnds.length;
        }
        for (Chunk chunk : chunks) {
            bytes += 4L * chunk.offsets.length + 4L * chunk.postings.length;
        }
        return bytes;
    }

    /** Every entry within {@code maxDistance} of {@code query}, nearest first, then by entry. */
    public List<Hit> search(PdqHash query, int maxDistance) {
        return searchAny(List.of(query), maxDistance);
    }

    /**
     * Every entry within {@code maxDistance} of any of the queries (for instance the eight
     * dihedral hashes of an image), each once, with its distance to the nearest query and that
     * query's index (the lowest on a tie); nearest first, then by entry.
     */
    public List<Hit> searchAny(List<PdqHash> queries, int maxDistance) {
        checkDistance(maxDistance);
        if (queries.isEmpty() || size == 0) {
            return List.of();
        }
        if (probingCost(chunkRadii(maxDistance)) > size) {
            return scanAny(queries, maxDistance);
        }
        return probeAny(queries, maxDistance);
    }

    /** {@link #searchAny} by probing the chunk tables whatever it costs; for tests. */
    List<Hit> probeAny(List<PdqHash> queries, int maxDistance) {
        checkDistance(maxDistance);
        int[] radii = chunkRadii(maxDistance);
        Map<Integer, Hit> best = new HashMap<>();
        List<Hit> found = new ArrayList<>();
        for (int q = 0; q < queries.size(); q++) {
            found.clear();
            probe(queries.get(q), q, maxDistance, radii, found);
            for (Hit hit : found) {
                best.merge(hit.entry(), hit, (a, b) -> b.distance() < a.distance() ? b : a);
            }
        }
        List<Hit> hits = new ArrayList<>(best.values());
        hits.sort(ORDER);
        return hits;
    }

    /** {@link #search} by reading every entry: the definition the index must agree with. */
    public List<Hit> scan(PdqHash query, int maxDistance) {
        return scanAny(List.of(query), maxDistance);
    }

    /** {@link #searchAny} by reading every entry once. */
    public List<Hit> scanAny(List<PdqHash> queries, int maxDistance) {
        checkDistance(maxDistance);
        int n = queries.size();
        long[] q = new long[4 * n];
        for (int i = 0; i < n; i++) {
            PdqHash hash = queries.get(i);
            q[4 * i] = hash.w0();
            q[4 * i + 1] = hash.w1();
            q[4 * i + 2] = hash.w2();
            q[4 * i + 3] = hash.w3();
        }
        List<Hit> hits = new ArrayList<>();
        for (int e = 0; e < size; e++) {
            int base = 4 * e;
            long w0 = words[base];
            long w1 = words[base + 1];
            long w2 = words[base + 2];
            long w3 = words[base + 3];
            int nearest = Integer.MAX_VALUE;
            int nearestQuery = -1;
            for (int i = 0; i < n; i++) {
                int d = Long.bitCount(w0 ^ q[4 * i]) + Long.bitCount(w1 ^ q[4 * i + 1])
                        + Long.bitCount(w2 ^ q[4 * i + 2]) + Long.bitCount(w3 ^ q[4 * i + 3]);
                if (d < nearest) {
                    nearest = d;
                    nearestQuery = i;
                }
            }
            if (nearest <= maxDistance) {
                hits.add(new Hit(e, nearest, nearestQuery));
            }
        }
        hits.sort(ORDER);
        return hits;
    }

    /**
     * Radius per chunk for a query distance: {@code a} for the first {@code b + 1} chunks,
     * {@code a - 1} (possibly -1: not probed) for the rest, where {@code r = a m + b}.
     */
    private int[] chunkRadii(int maxDistance) {
        int m = chunks.length;
        int a = maxDistance / m;
        int b = maxDistance % m;
        int[] radii = new int[m];
        for (int c = 0; c < m; c++) {
            radii[c] = c <= b ? a : a - 1;
        }
        return radii;
    }

    /** Rough cost of probing in units of one sequentially read entry. */
    private long probingCost(int[] radii) {
        double probes = 0;
        double candidates = 0;
        for (int c = 0; c < chunks.length; c++) {
            double chunkProbes = 0;
            double ways = 1;
            for (int k = 0; k <= radii[c]; k++) {
                chunkProbes += ways;
                ways = ways * (chunks[c].width - k) / (k + 1);
            }
            probes += chunkProbes;
            candidates += chunkProbes * size / Math.pow(2, chunks[c].width);
        }
        double cost = RANDOM_ACCESS_COST * (probes + candidates);
        return cost >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) cost;
    }

    private void probe(PdqHash query, int queryIndex, int maxDistance, int[] radii, List<Hit> out) {
        for (int c = 0; c < chunks.length; c++) {
            if (radii[c] < 0) {
                continue;
            }
            Chunk chunk = chunks[c];
            long value = chunk.valueOf(query.w0(), query.w1(), query.w2(), query.w3());
            new ChunkProbe(query, queryIndex, maxDistance, radii, c, out).visit(value, radii[c], 0);
        }
    }

    /** Walks the chunk values within a radius of the query's and checks the entries in each. */
    private final class ChunkProbe {
        private final long q0;
        private final long q1;
        private final long q2;
        private final long q3;
        private final int queryIndex;
        private final int maxDistance;
        private final int[] radii;
        private final int chunkIndex;
        private final Chunk chunk;
        private final List<Hit> out;

        ChunkProbe(PdqHash query, int queryIndex, int maxDistance, int[] radii, int chunkIndex, List<Hit> out) {
            this.q0 = query.w0();
            this.q1 = query.w1();
            this.q2 = query.w2();
            this.q3 = query.w3();
            this.queryIndex = queryIndex;
            this.maxDistance = maxDistance;
            this.radii = radii;
            this.chunkIndex = chunkIndex;
            this.chunk = chunks[chunkIndex];
            this.out = out;
        }

        /** Visits {@code value} and every value reached by flipping up to {@code radius} bits from {@code fromBit} up. */
        void visit(long value, int radius, int fromBit) {
            checkBucket((int) value);
            if (radius == 0) {
                return;
            }
            for (int bit = fromBit; bit < chunk.width; bit++) {
                visit(value ^ (1L << bit), radius - 1, bit + 1);
            }
        }

        private void checkBucket(int value) {
            int[] postings = chunk.postings;
            for (int p = chunk.offsets[value], end = chunk.offsets[value + 1]; p < end; p++) {
                int entry = postings[p];
                int base = 4 * entry;
                long x0 = words[base] ^ q0;
                long x1 = words[base + 1] ^ q1;
                int half = Long.bitCount(x0) + Long.bitCount(x1);
                if (half > maxDistance) {
                    // Most candidates end here; half the entries straddle a cache line, and
                    // this spares reading the second one.
                    continue;
                }
                long x2 = words[base + 2] ^ q2;
                long x3 = words[base + 3] ^ q3;
                int distance = half + Long.bitCount(x2) + Long.bitCount(x3);
                if (distance <= maxDistance && firstFindingChunk(x0, x1, x2, x3) == chunkIndex) {
                    out.add(new Hit(entry, distance, queryIndex));
                }
            }
        }

        /** The first chunk whose probes reach this entry; it alone reports it. */
        private int firstFindingChunk(long x0, long x1, long x2, long x3) {
            for (int c = 0; c < chunkIndex; c++) {
                if (radii[c] >= 0 && Long.bitCount(chunks[c].valueOf(x0, x1, x2, x3)) <= radii[c]) {
                    return c;
                }
            }
            return chunkIndex;
        }
    }

    static long chunkValue(long w0, long w1, long w2, long w3, int start, int width) {
        int word = start >>> 6;
        int shift = start & 63;
        long value = word(w0, w1, w2, w3, word) >>> shift;
        if (shift + width > 64) {
            value |= word(w0, w1, w2, w3, word + 1) << (64 - shift);
        }
        return value & ((1L << width) - 1);
    }

    private static long word(long w0, long w1, long w2, long w3, int i) {
        return switch (i) {
            case 0 -> w0;
            case 1 -> w1;
            case 2 -> w2;
            default -> w3;
        };
    }

    /**
     * Cuts the 256 bits into {@code ceil(256 / chunkBits)} chunks of near-equal width, the
     * narrower first (they get the larger radius), and fills each chunk's table by counting sort.
     */
    private static Chunk[] buildChunks(int size, long[] words, int chunkBits) {
        int m = (PdqHash.BITS + chunkBits - 1) / chunkBits;
        int narrow = PdqHash.BITS / m;
        int wide = PdqHash.BITS % m;
        Chunk[] chunks = new Chunk[m];
        int start = 0;
        for (int c = 0; c < m; c++) {
            int width = c < m - wide ? narrow : narrow + 1;
            int[] offsets = new int[(1 << width) + 1];
            for (int e = 0; e < size; e++) {
                int base = 4 * e;
                offsets[(int) chunkValue(words[base], words[base + 1], words[base + 2], words[base + 3], start, width) + 1]++;
            }
            for (int v = 1; v < offsets.length; v++) {
                offsets[v] += offsets[v - 1];
            }
            int[] postings = new int[size];
            int[] next = Arrays.copyOf(offsets, offsets.length - 1);
            for (int e = 0; e < size; e++) {
                int base = 4 * e;
                postings[next[(int) chunkValue(words[base], words[base + 1], words[base + 2], words[base + 3], start, width)]++] = e;
            }
            chunks[c] = new Chunk(start, width, offsets, postings);
            start += width;
        }
        return chunks;
    }

    /** Chunk width for {@code size} entries: about log2(size) bits, so buckets hold about one entry. */
    static int defaultChunkBits(int size) {
        int log2 = 31 - Integer.numberOfLeadingZeros(Math.max(size, 1));
        return Math.max(8, Math.min(MAX_DEFAULT_CHUNK_BITS, log2));
    }

    private void checkEntry(int entry) {
        if (entry < 0 || entry >= size) {
            throw new IndexOutOfBoundsException("entry: " + entry + " (expected: 0.." + (size - 1) + ")");
        }
    }

    private static void checkDistance(int maxDistance) {
        if (maxDistance < 0 || maxDistance > PdqHash.BITS) {
            throw new IllegalArgumentException("maxDistance: " + maxDistance + " (expected: 0.." + PdqHash.BITS + ")");
        }
    }

    /** Collects entries into flat arrays. Not thread-safe; one builder makes one index. */
    public static final class Builder {
        private long[] words = new long[4 * 64];
        private byte[] labelBytes = new byte[256];
        private int labelLength;
        private int[] labelEnds = new int[64];
        private boolean anyLabel;
        private int size;
        private int chunkBits;

        private Builder() {
        }

        /** Adds an entry without a label. */
        public Builder add(PdqHash hash) {
            return add(hash, null);
        }

        /** Adds an entry; a null or empty label means none. Entry numbers follow the order of adding. */
        public Builder add(PdqHash hash, String label) {
            if (size == Integer.MAX_VALUE / 4 - 8) {
                throw new IllegalStateException("entries: " + size + " (expected: < " + (Integer.MAX_VALUE / 4 - 8) + ")");
            }
            if (4 * size == words.length) {
                words = Arrays.copyOf(words, grow(words.length));
                labelEnds = Arrays.copyOf(labelEnds, words.length / 4);
            }
            int base = 4 * size;
            words[base] = hash.w0();
            words[base + 1] = hash.w1();
            words[base + 2] = hash.w2();
            words[base + 3] = hash.w3();
            if (label != null && !label.isEmpty()) {
                byte[] utf8 = label.getBytes(StandardCharsets.UTF_8);
                if ((long) labelLength + utf8.length > Integer.MAX_VALUE - 8) {
                    throw new IllegalStateException("label bytes: " + ((long) labelLength + utf8.length)
                            + " (expected: <= " + (Integer.MAX_VALUE - 8) + ")");
                }
                if (labelLength + utf8.length > labelBytes.length) {
                    labelBytes = Arrays.copyOf(labelBytes, (int) Math.min(Integer.MAX_VALUE - 8,
                            Math.max((long) labelLength + utf8.length, (long) labelBytes.length * 2)));
                }
                System.arraycopy(utf8, 0, labelBytes, labelLength, utf8.length);
                labelLength += utf8.length;
                anyLabel = true;
            }
            labelEnds[size++] = labelLength;
            return this;
        }

        /**
         * Widest chunk, in bits (4-24). Default: about log2 of the number of entries, at most
         * {@value PdqIndex#MAX_DEFAULT_CHUNK_BITS}; each chunk costs a table of 2^bits ints.
         */
        public Builder optChunkBits(int bits) {
            if (bits < 4 || bits > 24) {
                throw new IllegalArgumentException("chunkBits: " + bits + " (expected: 4..24)");
            }
            this.chunkBits = bits;
            return this;
        }

        public int size() {
            return size;
        }

        public PdqIndex build() {
            int bits = chunkBits != 0 ? chunkBits : defaultChunkBits(size);
            long[] exactWords = Arrays.copyOf(words, 4 * size);
            if (!anyLabel) {
                return new PdqIndex(size, exactWords, null, null, bits);
            }
            return new PdqIndex(size, exactWords, Arrays.copyOf(labelBytes, labelLength), Arrays.copyOf(labelEnds, size), bits);
        }

        /** Doubles, staying a multiple of 4 (four words an entry) below the array size limit. */
        private static int grow(int length) {
            return (int) Math.min((Integer.MAX_VALUE - 8) & ~3, (long) length * 2);
        }
    }
}
