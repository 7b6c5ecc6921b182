package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Statements of reasons (Digital Services Act, Article 17) for BLOCK and REVIEW records, in the
 * field names of the EU's DSA Transparency Database submission API: the restriction
 * ({@code decision_visibility}), the ground (incompatible with the terms of service: the
 * policy's rule), the facts (the signals the rule read), and that detection and decision were
 * automated. One JSON object per line.
 */
final class DsaStatements {
    /** Rule name fragments to the database's statement categories; the first match wins. */
    private static final List<Map.Entry<String, String>> CATEGORIES = List.of(
            Map.entry("minor", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"),
            Map.entry("protected", "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR"),
            Map.entry("source", "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR"),
            Map.entry("hash", "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"),
            Map.entry("sexual", "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"),
            Map.entry("porn", "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"),
            Map.entry("hentai", "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"));

    private DsaStatements() {
    }

    /** Writes a statement for every BLOCK or REVIEW record among {@code records}; returns how many. */
    static int write(List<String> records, String platform, Path out) throws IOException {
        int n = 0;
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (String line : records) {
                JsonNode r = AuditCommand.JSON.readTree(line);
                String decision = r.path("decision").asText();
                if (!decision.equals("BLOCK") && !decision.equals("REVIEW")) {
                    continue;
                }
                w.write(AuditCommand.JSON.writeValueAsString(statement(r, platform)));
                w.write('\n');
                n++;
            }
        }
        return n;
    }

    static ObjectNode statement(JsonNode r, String platform) {
        ObjectNode s = AuditCommand.JSON.createObjectNode();
        boolean block = r.path("decision").asText().equals("BLOCK");
        String rule = r.path("rule").asText();
        s.put("decision_visibility", "[\"" + (block ? "DECISION_VISIBILITY_CONTENT_REMOVED" : "DECISION_VISIBILITY_OTHER") + "\"]");
        if (!block) {
            s.put("decision_visibility_other", "withheld pending human review");
        }
        s.put("decision_ground", "DECISION_GROUND_INCOMPATIBLE_CONTENT");
        JsonNode sor = r.path("statement_of_reasons");
        String reference = sor.path("ground").path("reference").asText("");
        s.put("incompatible_content_ground", "policy " + r.path("policy").path("name").asText() + " (version " + r.path("policy").path("version").asText()
                + "), rule " + rule + (reference.isEmpty() ? "" : ": " + reference));
        if (!sor.path("criteria").isMissingNode() && !sor.path("criteria").isNull()) {
            s.put("incompatible_content_criteria", sor.path("criteria").asText());
        }
        StringBuilder facts = new StringBuilder(r.path("reason").asText());
        facts.append(". Signals:");
        r.path("signals").fields().forEachRemaining(e -> facts.append(String.format(Locale.ROOT, " %s=%.3f", e.getKey(), e.getValue().asDouble())));
        if (r.path("failed_closed").asBoolean()) {
            facts.append(". The image could not be scored and was withheld (fail-closed).");
        }
        s.put("incompatible_content_explanation", facts.toString());
        s.put("category", category(rule, r.path("failed_closed").asBoolean()));
        s.put("content_type", "[\"CONTENT_TYPE_IMAGE\"]");
        s.put("content_date", r.path("time").asText().substring(0, 10));
        s.put("application_date", r.path("time").asText().substring(0, 10));
        s.put("decision_facts", facts.toString());
        s.put("source_type", "SOURCE_VOLUNTARY");
        s.put("automated_detection", "Yes");
        s.put("automated_decision", block ? "AUTOMATED_DECISION_FULLY" : "AUTOMATED_DECISION_PARTIALLY");
        s.put("territorial_scope", "[\"EU\"]");
        s.put("puid", platform + ":" + r.path("seq").asLong() + ":" + r.path("request_id").asText());
        return s;
    }

    private static String category(String rule, boolean failedClosed) {
        String lower = rule.toLowerCase(Locale.ROOT);
        for (Map.Entry<String, String> e : CATEGORIES) {
            if (lower.contains(e.getKey())) {
                return e.getValue();
            }
        }
        return failedClosed ? "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE" : "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT";
    }
}
