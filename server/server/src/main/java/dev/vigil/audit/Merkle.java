package dev.vigil.audit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1, over SHA-256: a
 * leaf's hash is {@code SHA-256(0x00 || leaf)}, an inner node's {@code SHA-256(0x01 || left ||
 * right)}, and a tree of n leaves splits at the largest power of two smaller than n. Inclusion
 * proofs are the audit paths of 2.1.3.1 and are checked as 2.1.3.2 says; consistency proofs
 * follow 2.1.4. Stateless and thread-safe.
 */
public final class Merkle {
    public static final int HASH_BYTES = 32;

    private Merkle() {
    }

    public static byte[] leafHash(byte[] leaf) {
        MessageDigest d = sha256();
        d.update((byte) 0);
        d.update(leaf);
        return d.digest();
    }

    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest d = sha256();
        d.update((byte) 1);
        d.update(left);
        d.update(right);
        return d.digest();
    }

    /** The hash of the empty tree: SHA-256 of nothing. */
    public static byte[] emptyRoot() {
        return sha256().digest();
    }

    /** MTH of the leaves whose hashes are {@code leafHashes[from, to)}. */
    public static byte[] root(List<byte[]> leafHashes, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return emptyRoot();
        }
        if (n == 1) {
            return leafHashes.get(from);
        }
        int k = largestPowerOfTwoBelow(n);
        return nodeHash(root(leafHashes, from, from + k), root(leafHashes, from + k, to));
    }

    public static byte[] root(List<byte[]> leafHashes) {
        return root(leafHashes, 0, leafHashes.size());
    }

    /** The audit path of leaf {@code index} in the tree of the first {@code size} leaves (PATH(m, D[n])). */
    public static List<byte[]> inclusionProof(List<byte[]> leafHashes, long index, long size) {
        if (index < 0 || index >= size || size > leafHashes.size()) {
            throw new IllegalArgumentException("leaf index: " + index + " (expected: in [0, " + size + ") and size <= " + leafHashes.size() + ")");
        }
        List<byte[]> path = new ArrayList<>();
        path(leafHashes, (int) index, 0, (int) size, path);
        return path;
    }

    private static void path(List<byte[]> leaves, int m, int from, int to, List<byte[]> out) {
        int n = to - from;
        if (n <= 1) {
            return;
        }
        int k = largestPowerOfTwoBelow(n);
        if (m < k) {
            path(leaves, m, from, from + k, out);
            out.add(root(leaves, from + k, to));
        } else {
            path(leaves, m - k, from + k, to, out);
            out.add(root(leaves, from, from + k));
        }
    }

    /**
     * The audit path of leaf {@code index} in a tree of {@code size} leaves, knowing only the
     * tree before the leaf ({@code before}, its frontier at size {@code index}) and the leaves
     * from {@code index} on ({@code leavesFrom.get(0)} is leaf {@code index}'s hash): what the
     * writer holds right after appending. The left siblings on the path are exactly the
     * frontier's perfect subtrees; the right siblings are made of later leaves.
     */
    public static List<byte[]> inclusionProof(long index, long size, Frontier before, List<byte[]> leavesFrom) {
        if (before.size() != index || index + leavesFrom.size() < size || index >= size) {
            throw new IllegalArgumentException("leaf " + index + " of " + size + ": frontier of " + before.size() + " and " + leavesFrom.size()
                    + " leaves from it (expected: the frontier at the leaf, and every leaf from it to the tree's size)");
        }
        List<byte[]> out = new ArrayList<>();
        pathFrom(index, 0, size, before, leavesFrom, out);
        return out;
    }

    private static void pathFrom(long m, long from, long to, Frontier before, List<byte[]> leavesFrom, List<byte[]> out) {
        long n = to - from;
        if (n <= 1) {
            return;
        }
        long k = Long.highestOneBit(n - 1);
        if (m < from + k) {
            pathFrom(m, from, from + k, before, leavesFrom, out);
            long base = before.size();
            out.add(root(leavesFrom, (int) (from + k - base), (int) (to - base)));
        } else {
            pathFrom(m, from + k, to, before, leavesFrom, out);
            out.add(before.subtreeAt(from, k));
        }
    }

    /**
     * Checks an inclusion proof as RFC 9162 2.1.3.2 does: whether {@code leafHash} at
     * {@code index} in a tree of {@code size} leaves, with this audit path, gives {@code root}.
     */
    public static boolean verifyInclusion(byte[] leafHash, long index, long size, List<byte[]> path, byte[] root) {
        if (index < 0 || index >= size) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : path) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(r, root);
    }

    /**
     * The consistency proof between the tree of the first {@code m} leaves and the tree of the
     * first {@code n} (RFC 9162 2.1.4.1, PROOF(m, D[n])): what shows the smaller tree is a
     * prefix of the larger, so that nothing signed at size m was rewritten by size n.
     */
    public static List<byte[]> consistencyProof(List<byte[]> leafHashes, long m, long n) {
        if (m < 0 || m > n || n > leafHashes.size()) {
            throw new IllegalArgumentException("sizes: " + m + " and " + n + " (expected: 0 <= m <= n <= " + leafHashes.size() + ")");
        }
        List<byte[]> out = new ArrayList<>();
        if (m == 0 || m == n) {
            return out;
        }
        subproof((int) m, leafHashes, 0, (int) n, true, out);
        return out;
    }

    private static void subproof(int m, List<byte[]> leaves, int from, int to, boolean complete, List<byte[]> out) {
        int n = to - from;
        if (m == n) {
            if (!complete) {
                out.add(root(leaves, from, to));
            }
            return;
        }
        int k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(m, leaves, from, from + k, complete, out);
            out.add(root(leaves, from + k, to));
        } else {
            subproof(m - k, leaves, from + k, to, false, out);
            out.add(root(leaves, from, from + k));
        }
    }

    /**
     * Checks a consistency proof as RFC 9162 2.1.4.2 does: whether the tree of {@code first}
     * leaves with root {@code firstRoot} is a prefix of the tree of {@code second} leaves with
     * root {@code secondRoot}.
     */
    public static boolean verifyConsistency(long first, long second, List<byte[]> proof, byte[] firstRoot, byte[] secondRoot) {
        if (first < 0 || first > second) {
            return false;
        }
        if (first == second) {
            return proof.isEmpty() && Arrays.equals(firstRoot, secondRoot);
        }
        if (first == 0) {
            return proof.isEmpty();
        }
        if (proof.isEmpty()) {
            return false;
        }
        List<byte[]> c = new ArrayList<>(proof);
        if (Long.bitCount(first) == 1) {
            c.add(0, firstRoot);
        }
        long fn = first - 1;
        long sn = second - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = c.get(0);
        byte[] sr = c.get(0);
        for (int i = 1; i < c.size(); i++) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c.get(i), fr);
                sr = nodeHash(c.get(i), sr);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                sr = nodeHash(sr, c.get(i));
            }
            fn >>= 1;
            sn >>= 1;
        }
        return Arrays.equals(fr, firstRoot) && Arrays.equals(sr, secondRoot) && sn == 0;
    }

    static int largestPowerOfTwoBelow(int n) {
        return Integer.highestOneBit(n - 1);
    }

    /** SHA-256 of {@code data}. */
    public static byte[] sha256Of(byte[] data) {
        return sha256().digest(data);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * The tree's right edge, enough to extend it one leaf at a time and give its root at any
     * size without keeping the leaves: the hashes of the perfect subtrees the leaves so far make,
     * largest (leftmost) first. Not thread-safe: one writer owns it.
     */
    public static final class Frontier {
        private final List<byte[]> subtrees = new ArrayList<>();
        private final List<Long> sizes = new ArrayList<>();
        private long size;

        public void add(byte[] leafHash) {
            byte[] h = leafHash;
            long s = 1;
            while (!sizes.isEmpty() && sizes.get(sizes.size() - 1) == s) {
                h = nodeHash(subtrees.remove(subtrees.size() - 1), h);
                sizes.remove(sizes.size() - 1);
                s *= 2;
            }
            subtrees.add(h);
            sizes.add(s);
            size++;
        }

        public long size() {
            return size;
        }

        /** MTH of every leaf added so far. */
        public byte[] root() {
            return rootOf(subtrees, size);
        }

        /** The root of the perfect subtree of {@code size} leaves starting at leaf {@code start}, which must be one of this frontier's. */
        byte[] subtreeAt(long start, long size) {
            long offset = 0;
            for (int i = 0; i < subtrees.size(); i++) {
                if (offset == start && sizes.get(i) == size) {
                    return subtrees.get(i);
                }
                offset += sizes.get(i);
            }
            throw new IllegalArgumentException("no perfect subtree of " + size + " leaves at " + start + " in a frontier of " + this.size);
        }

        /** A copy of the perfect subtrees' roots, largest first. */
        public List<byte[]> subtrees() {
            return List.copyOf(subtrees);
        }

        /** Back to {@code snapshot}'s state (a copy of this frontier taken earlier). */
        public void reset(Frontier snapshot) {
            subtrees.clear();
            subtrees.addAll(snapshot.subtrees);
            sizes.clear();
            sizes.addAll(snapshot.sizes);
            size = snapshot.size;
        }

        /** A copy, to snapshot the tree at this size. */
        public Frontier copy() {
            Frontier f = new Frontier();
            f.subtrees.addAll(subtrees);
            f.sizes.addAll(sizes);
            f.size = size;
            return f;
        }

        /**
         * The frontier of a tree of {@code size} leaves whose perfect subtrees (one per set bit
         * of {@code size}, largest first) have these roots.
         */
        public static Frontier of(List<byte[]> subtrees, long size) {
            if (Long.bitCount(size) != subtrees.size()) {
                throw new IllegalArgumentException("frontier: " + subtrees.size() + " subtrees for size " + size
                        + " (expected: " + Long.bitCount(size) + ", one per set bit)");
            }
            Frontier f = new Frontier();
            int i = 0;
            for (int bit = 62; bit >= 0; bit--) {
                if ((size & (1L << bit)) != 0) {
                    f.subtrees.add(subtrees.get(i++));
                    f.sizes.add(1L << bit);
                }
            }
            f.size = size;
            return f;
        }

        /** MTH of a tree of {@code size} leaves with these perfect subtrees; null if they do not fit the size. */
        public static byte[] rootOf(List<byte[]> subtrees, long size) {
            if (Long.bitCount(size) != subtrees.size()) {
                return null;
            }
            if (subtrees.isEmpty()) {
                return emptyRoot();
            }
            byte[] r = subtrees.get(subtrees.size() - 1);
            for (int i = subtrees.size() - 2; i >= 0; i--) {
                r = nodeHash(subtrees.get(i), r);
            }
            return r;
        }
    }
}
