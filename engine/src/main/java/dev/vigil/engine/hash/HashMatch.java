package dev.vigil.engine.hash;

/**
 * One list entry an image matched: the list's name, the entry's label (null when it has
 * none) and hash, the Hamming distance, and which of the image's rotations or reflections
 * came that close.
 */
public record HashMatch(String list, String label, PdqHash listHash, int distance, Dihedral transform) {
}
