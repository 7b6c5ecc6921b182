package dev.vigil.engine.hash;

import java.util.List;

/**
 * What {@link PdqHasher} makes of one image: its hash, its quality (0-100; below 50 the
 * hash says little about the image and lists ignore it) and the hashes of its eight
 * rotations and reflections, indexed by {@link Dihedral#ordinal()}.
 */
public record PdqResult(PdqHash hash, int quality, List<PdqHash> dihedral) {
    public PdqResult {
        if (quality < 0 || quality > 100) {
            throw new IllegalArgumentException("quality: " + quality + " (expected: 0..100)");
        }
        dihedral = List.copyOf(dihedral);
        if (dihedral.size() != Dihedral.values().length) {
            throw new IllegalArgumentException("dihedral: " + dihedral.size() + " hashes (expected: " + Dihedral.values().length + ")");
        }
        if (!dihedral.get(Dihedral.ORIGINAL.ordinal()).equals(hash)) {
            throw new IllegalArgumentException("dihedral: the ORIGINAL entry " + dihedral.get(0) + " is not the hash " + hash);
        }
    }

    /** The hash of the image after {@code transform}. */
    public PdqHash dihedral(Dihedral transform) {
        return dihedral.get(transform.ordinal());
    }
}
