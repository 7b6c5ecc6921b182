package dev.vigil.engine.hash;

import java.util.List;

/**
 * What the hash lists say about one image. {@link Outcome#LOW_QUALITY} means the image was
 * not compared at all: its PDQ quality is under the registry's minimum, where hashes of
 * unrelated flat images collide. {@code matches} holds at most the registry's
 * {@code maxMatches} nearest; {@code totalMatches} counts them all.
 */
public record HashMatchResult(Outcome outcome, int quality, List<HashMatch> matches, int totalMatches) {
    public enum Outcome {
        /** At least one list entry lies within the distance. */
        MATCHED,
        /** Compared with every list; nothing within the distance. */
        NO_MATCH,
        /** Not compared: quality under the minimum. */
        LOW_QUALITY
    }

    public HashMatchResult {
        matches = List.copyOf(matches);
    }

    public boolean matched() {
        return outcome == Outcome.MATCHED;
    }
}
