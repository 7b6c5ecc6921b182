package dev.vigil.engine.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The named policies of one policy file, checked against a {@link SignalCatalog} when loaded:
 * a file that loads has no unknown signal, out-of-range threshold or unknown field. Requests
 * name a policy, or get the file's {@code default_policy} ({@value #DEFAULT_POLICY} unless the
 * file says otherwise). Immutable and thread-safe.
 */
public final class PolicySet {
    /** The policy a request gets when it names none and the file sets no {@code default_policy}. */
    public static final String DEFAULT_POLICY = "strict";
    /** Where the policies shipped with the engine live on the class path. */
    public static final String DEFAULTS_RESOURCE = "dev/vigil/engine/policies.yaml";

    private final String origin;
    private final String version;
    private final SignalCatalog catalog;
    private final Map<String, Policy> policies;
    private final Policy defaultPolicy;

    PolicySet(String origin, String version, SignalCatalog catalog, Map<String, Policy> policies, String defaultPolicy) {
        this.origin = Objects.requireNonNull(origin, "origin");
        this.version = Objects.requireNonNull(version, "version");
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.policies = Collections.unmodifiableMap(new LinkedHashMap<>(policies));
        this.defaultPolicy = Objects.requireNonNull(this.policies.get(defaultPolicy), "defaultPolicy");
    }

    /** The policies shipped with the engine ({@value #DEFAULTS_RESOURCE}), over the built-in signals. */
    public static PolicySet defaults() {
        try (InputStream in = PolicySet.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new PolicyException(DEFAULTS_RESOURCE + ": not on the class path");
            }
            return load(in, DEFAULTS_RESOURCE);
        } catch (IOException e) {
            throw new PolicyException(DEFAULTS_RESOURCE + ": cannot read: " + e, e);
        }
    }

    /** Loads a policy file over the built-in signals; errors name the file as {@code file} prints. */
    public static PolicySet load(Path file) {
        return load(file, SignalCatalog.builtIn());
    }

    /** Loads a policy file whose rules may name any signal of {@code catalog}. */
    public static PolicySet load(Path file, SignalCatalog catalog) {
        try (InputStream in = Files.newInputStream(file)) {
            return load(in, file.toString(), catalog);
        } catch (IOException e) {
            throw new PolicyException(file + ": cannot read: " + e, e);
        }
    }

    /**
     * Loads a policy file from {@code in}, which the caller closes, over the built-in signals.
     *
     * @param origin how error messages name the file
     */
    public static PolicySet load(InputStream in, String origin) {
        return load(in, origin, SignalCatalog.builtIn());
    }

    public static PolicySet load(InputStream in, String origin, SignalCatalog catalog) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(catalog, "catalog");
        return PolicyReader.read(in, origin, catalog);
    }

    /**
     * The policy called {@code name}.
     *
     * @throws PolicyException naming the policies there are, for example
     *                         {@code policy: nsfw-lax (expected one of: strict, permissive)}
     */
    public Policy policy(String name) {
        Policy policy = policies.get(Objects.requireNonNull(name, "name"));
        if (policy == null) {
            throw new PolicyException("policy: " + name + " (expected one of: " + String.join(", ", policies.keySet()) + ")");
        }
        return policy;
    }

    /** The policy for requests that name none. */
    public Policy defaultPolicy() {
        return defaultPolicy;
    }

    /** The policy names, in file order. */
    public Set<String> names() {
        return policies.keySet();
    }

    /** Where the file came from, as error messages name it. */
    public String origin() {
        return origin;
    }

    /** The file's {@code version}, which every policy and evaluation from it carries. */
    public String version() {
        return version;
    }

    public SignalCatalog catalog() {
        return catalog;
    }

    @Override
    public String toString() {
        return "PolicySet[" + origin + " " + version + ", " + names() + "]";
    }
}
