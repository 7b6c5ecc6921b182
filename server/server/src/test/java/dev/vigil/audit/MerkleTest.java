package dev.vigil.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The RFC 9162 tree: the hashes of RFC 6962's test vectors (as Certificate Transparency's
 * implementations check them), the frontier's root equal to the recursive definition at every
 * size, and every inclusion proof, from the whole list or from the writer's frontier, checking
 * out, and failing once anything in it changes.
 */
class MerkleTest {
    private static final HexFormat HEX = HexFormat.of();

    /** The leaves of RFC 6962's test vectors (certificate-transparency's merkle tree tests). */
    private static final String[] LEAVES = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};

    private static List<byte[]> leafHashes(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Merkle.leafHash(HEX.parseHex(LEAVES[i % LEAVES.length] + (i >= LEAVES.length ? String.format("%04x", i) : ""))));
        }
        return out;
    }

    @Test
    void knownHashes() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", HEX.formatHex(Merkle.emptyRoot()));
        assertEquals("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", HEX.formatHex(Merkle.leafHash(new byte[0])));
        // the root of the eight leaves, as RFC 6962's reference tests give it
        assertEquals("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", HEX.formatHex(Merkle.root(leafHashes(8))));
    }

    @Test
    void theFrontierGivesTheTreesRootAtEverySize() {
        List<byte[]> leaves = leafHashes(70);
        Merkle.Frontier f = new Merkle.Frontier();
        for (int n = 0; n <= leaves.size(); n++) {
            assertArrayEquals(Merkle.root(leaves, 0, n), f.root(), "size " + n);
            Merkle.Frontier again = Merkle.Frontier.of(f.subtrees(), n);
            assertArrayEquals(f.root(), again.root(), "rebuilt from its subtrees at size " + n);
            if (n < leaves.size()) {
                f.add(leaves.get(n));
            }
        }
    }

    @Test
    void everyInclusionProofChecksAndNoAlteredOneDoes() {
        List<byte[]> leaves = leafHashes(37);
        for (int size = 1; size <= leaves.size(); size++) {
            byte[] root = Merkle.root(leaves, 0, size);
            Merkle.Frontier before = new Merkle.Frontier();
            for (int i = 0; i < size; i++) {
                List<byte[]> path = Merkle.inclusionProof(leaves, i, size);
                assertTrue(Merkle.verifyInclusion(leaves.get(i), i, size, path, root), i + " of " + size);
                List<byte[]> fromFrontier = Merkle.inclusionProof(i, size, before, leaves.subList(i, size));
                assertEquals(path.size(), fromFrontier.size(), i + " of " + size);
                for (int k = 0; k < path.size(); k++) {
                    assertArrayEquals(path.get(k), fromFrontier.get(k), "step " + k + " of leaf " + i + " of " + size);
                }
                // another leaf, another index, or an altered step: refused
                assertFalse(Merkle.verifyInclusion(leaves.get((i + 1) % size), i, size, path, root) && size > 1, "another leaf " + i + " of " + size);
                if (size > 1) {
                    assertFalse(Merkle.verifyInclusion(leaves.get(i), (i + 1) % size, size, path, root), "another index " + i + " of " + size);
                    List<byte[]> altered = new ArrayList<>(path);
                    byte[] step = altered.get(0).clone();
                    step[0] ^= 1;
                    altered.set(0, step);
                    assertFalse(Merkle.verifyInclusion(leaves.get(i), i, size, altered, root), "altered path " + i + " of " + size);
                }
                before.add(leaves.get(i));
            }
        }
    }

    @Test
    void everyConsistencyProofChecksAndNoAlteredOneDoes() {
        List<byte[]> leaves = leafHashes(40);
        List<byte[]> other = new ArrayList<>(leaves);
        other.set(2, Merkle.leafHash(new byte[] {9, 9}));
        for (int n = 1; n <= leaves.size(); n++) {
            byte[] rootN = Merkle.root(leaves, 0, n);
            for (int m = 1; m <= n; m++) {
                byte[] rootM = Merkle.root(leaves, 0, m);
                List<byte[]> proof = Merkle.consistencyProof(leaves, m, n);
                assertTrue(Merkle.verifyConsistency(m, n, proof, rootM, rootN), m + " -> " + n);
                if (m < n) {
                    // a first tree that is not a prefix (a leaf rewritten), or a wrong size: refused
                    assertFalse(m > 2 && Merkle.verifyConsistency(m, n, proof, Merkle.root(other, 0, m), rootN), "rewritten " + m + " -> " + n);
                    assertFalse(Merkle.verifyConsistency(m, n, proof, rootM, Merkle.root(leaves, 0, n - 1)) && n - 1 != m && n > 1,
                            "another second tree " + m + " -> " + n);
                    List<byte[]> altered = new ArrayList<>(proof);
                    byte[] step = altered.get(altered.size() - 1).clone();
                    step[5] ^= 1;
                    altered.set(altered.size() - 1, step);
                    assertFalse(Merkle.verifyConsistency(m, n, altered, rootM, rootN), "altered proof " + m + " -> " + n);
                }
            }
        }
    }

    @Test
    void leavesAndNodesAreDomainSeparated() {
        byte[] a = Merkle.leafHash("a".getBytes(StandardCharsets.UTF_8));
        byte[] b = Merkle.leafHash("b".getBytes(StandardCharsets.UTF_8));
        byte[] concatenated = new byte[64];
        System.arraycopy(a, 0, concatenated, 0, 32);
        System.arraycopy(b, 0, concatenated, 32, 32);
        assertFalse(java.util.Arrays.equals(Merkle.nodeHash(a, b), Merkle.leafHash(concatenated)));
    }
}
