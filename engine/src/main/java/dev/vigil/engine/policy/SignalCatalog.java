package dev.vigil.engine.policy;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The signals policies may name, each with its range. Loading a policy file checks every signal
 * and threshold against a catalogue, so a new signal stage plugs in by adding an entry here;
 * evaluation code does not change. Immutable and thread-safe.
 */
public final class SignalCatalog {
    private static final SignalCatalog BUILT_IN = builder()
            .add("hash_match", 0, 1, "1 when the image matches an entry of a hash list (PDQ, within the list's distance), else 0")
            .add("sexual", 0, 1, "NSFW classifier: porn + hentai probability")
            .add("suggestive", 0, 1, "NSFW classifier: sexy probability")
            .add("drawing", 0, 1, "NSFW classifier: drawing probability")
            .add("faces", 0, Double.POSITIVE_INFINITY, "number of faces found")
            .add("minor", 0, 1, "largest probability, over the faces found, that the face is under 18; 0 without faces")
            .add("source_match", 0, 1, "largest identity similarity between a face in an edit's source image and a face in the output; 0 without a source image")
            .add("protected_person", 0, 1, "largest identity similarity between a face in the output and a protected person's reference faces; 0 without faces")
            .build();

    private final Map<String, SignalSpec> signals;

    private SignalCatalog(Map<String, SignalSpec> signals) {
        this.signals = Collections.unmodifiableMap(new LinkedHashMap<>(signals));
    }

    /** The signals the engine computes out of the box: the NSFW classifier, faces, hash lists. */
    public static SignalCatalog builtIn() {
        return BUILT_IN;
    }

    /** An empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this catalogue's signals, to add more. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.signals.putAll(signals);
        return builder;
    }

    /** The signal called {@code name}, if there is one. */
    public Optional<SignalSpec> signal(String name) {
        return Optional.ofNullable(signals.get(name));
    }

    /** The names, in the order they were added. */
    public Set<String> names() {
        return signals.keySet();
    }

    public Collection<SignalSpec> signals() {
        return signals.values();
    }

    @Override
    public String toString() {
        return "SignalCatalog" + names();
    }

    /** Collects signals; each name once. Not thread-safe. */
    public static final class Builder {
        private final Map<String, SignalSpec> signals = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Declares a signal whose values and thresholds lie in {@code [min, max]}.
         *
         * @throws IllegalArgumentException if the name is taken or malformed, or the range empty
         */
        public Builder add(String name, double min, double max, String description) {
            return add(new SignalSpec(name, min, max, description));
        }

        public Builder add(SignalSpec signal) {
            Objects.requireNonNull(signal, "signal");
            if (signals.putIfAbsent(signal.name(), signal) != null) {
                throw new IllegalArgumentException("signal: " + signal.name() + " (expected: a name not yet in the catalogue)");
            }
            return this;
        }

        public SignalCatalog build() {
            return new SignalCatalog(signals);
        }
    }
}
