package dev.vigil.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Verdict;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One scanned file's outcome: what a {@code vigil scan} JSON line and a Spark scan's Parquet row
 * hold, made in one place for both. Immutable.
 *
 * @param path          the file, as the scan named it
 * @param size          its bytes, or -1 when it could not be read
 * @param sha256        hex SHA-256 of its bytes (null when it could not be read)
 * @param pdq           hex PDQ hash of the decoded image (null when it was not decoded)
 * @param decision      ALLOW, REVIEW or BLOCK; null when there was no verdict at all
 * @param failedClosed  whether the BLOCK came from a failure (null without a verdict)
 * @param signals       every signal computed (empty without a verdict)
 * @param models        {@code name/version} of each model that answered
 * @param error         why it was not scored, or null
 * @param retryable     whether that error was one a later scan could get past (an overload)
 */
public record ScanRow(String path, long size, String sha256, String pdq, String decision, Boolean failedClosed, String rule, String reason,
                      Map<String, Double> signals, List<String> models, String policy, String policyVersion, String error, boolean retryable) {
    public ScanRow {
        signals = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(signals)); // the verdict's order
        models = List.copyOf(models);
    }

    /** The row of a verdict on {@code bytes}: the digests the gate computed with it (its evidence), else its own. */
    public static ScanRow of(String path, byte[] bytes, Verdict v) {
        var image = v.evidence().image();
        return new ScanRow(path, bytes.length, image != null ? image.sha256() : sha256(bytes), image == null ? null : image.pdq(),
                v.decision().name(), v.failedClosed(), v.rule(), v.reason(), v.signals(), v.models(), v.policy(), v.policyVersion(),
                v.failedClosed() ? v.reason() : null, false);
    }

    /** The row of a file that got no verdict; {@code bytes} null when it could not be read. */
    public static ScanRow failed(String path, byte[] bytes, String error, boolean retryable) {
        return new ScanRow(path, bytes == null ? -1 : bytes.length, bytes == null ? null : sha256(bytes), null, null, null, null, null,
                Map.of(), List.of(), null, null, error, retryable);
    }

    /** As a {@code vigil scan} line: the fields in snake_case, size and sha256 only when the file was read. */
    public ObjectNode toJson() {
        ObjectNode row = CliSupport.JSON.createObjectNode();
        row.put("path", path);
        if (size >= 0) {
            row.put("size", size);
            row.put("sha256", sha256);
        }
        row.put("pdq", pdq);
        row.put("decision", decision);
        if (decision != null) {
            row.put("failed_closed", failedClosed);
            row.put("rule", rule);
            row.put("reason", reason);
            ObjectNode s = row.putObject("signals");
            signals.forEach(s::put);
            models.forEach(row.putArray("models")::add);
            row.put("policy", policy);
            row.put("policy_version", policyVersion);
        }
        row.put("error", error);
        if (decision == null) {
            row.put("retryable", retryable);
        }
        return row;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
