package dev.vigil.client;

import dev.vigil.protocol.VerdictDetails;
import dev.vigil.protocol.VerdictFrame;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to one score call: the server's verdict, or the client's fail-closed BLOCK when it
 * could not get one (an ERROR, a lost connection, its own timeout). Immutable.
 *
 * @param decision     ALLOW, REVIEW or BLOCK; the VERDICT frame's decision byte (authoritative)
 * @param failedClosed true when this BLOCK is not a policy decision but a failure: the server's
 *                     gate could not decide ({@code error} is null) or the client got no verdict
 *                     ({@code error} says why)
 * @param rule         the policy rule that decided ({@code default} when none fired, {@code error}
 *                     when failed closed); empty when the details carried none
 * @param reason       one human-readable line, e.g. {@code sexual 0.91 >= 0.5} or, from the
 *                     client, {@code TIMEOUT: no verdict within 5000 ms}
 * @param signals      signal name to value as computed by the server; empty from the client
 * @param error        the client's reason for failing closed; null for every verdict the server sent
 * @param detailsJson  VERDICT's JSON details as sent (server/PROTOCOL.md); empty from the client
 */
public record ClientVerdict(Decision decision, boolean failedClosed, String rule, String reason, Map<String, Double> signals,
                            ErrorCode error, String detailsJson) {
    public ClientVerdict {
        Objects.requireNonNull(decision, "decision");
        rule = rule == null ? "" : rule;
        reason = reason == null ? "" : reason;
        signals = signals == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(signals));
        detailsJson = detailsJson == null ? "" : detailsJson;
        if (error != null && (decision != Decision.BLOCK || !failedClosed)) {
            throw new IllegalArgumentException("error: " + error + " (expected: only on a failed-closed BLOCK)");
        }
    }

    /** True only for ALLOW: the one answer on which the image may be returned to the user. */
    public boolean allowed() {
        return decision == Decision.ALLOW;
    }

    /** The client's fail-closed BLOCK for a call that got no verdict. */
    static ClientVerdict failClosed(ErrorCode error, String message) {
        return new ClientVerdict(Decision.BLOCK, true, "error", error + ": " + message, Map.of(), error, "");
    }

    /**
     * The verdict for a VERDICT frame. The JSON only adds detail: when it cannot be read the
     * decision still stands, and the reason says the details were unreadable.
     */
    static ClientVerdict fromServer(VerdictFrame frame) {
        String rule = "";
        String reason = "";
        Map<String, Double> signals = new LinkedHashMap<>();
        if (!frame.json().isEmpty()) {
            try {
                VerdictDetails details = frame.details();
                rule = details.rule();
                reason = details.reason();
                if (details.signals() != null) {
                    details.signals().forEach((name, value) -> {
                        if (value != null) {
                            signals.put(name, value);
                        }
                    });
                }
            } catch (IllegalArgumentException e) {
                reason = "unreadable " + e.getMessage();
            }
        }
        return new ClientVerdict(Decision.of(frame.decision()), frame.failedClosed(), rule, reason, signals, null, frame.json());
    }
}
