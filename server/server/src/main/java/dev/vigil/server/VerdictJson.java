package dev.vigil.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.vigil.engine.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * A verdict as JSON, with the field names of the binary protocol's VERDICT details
 * (server/PROTOCOL.md) plus {@code failed_closed}: {@code request_id, decision, rule, reason,
 * signals, failures, findings, models, policy, policy_version, timings_us{decode, queue,
 * inference, policy, total}, failed_closed}. Stateless and thread-safe.
 */
public final class VerdictJson {
    private static final JsonFactory JSON = new JsonFactory();

    private VerdictJson() {
    }

    /** The verdict as UTF-8 JSON, fields in the order above. */
    public static byte[] toJson(Verdict v) {
        return toJson(v, null);
    }

    /** ... with {@code receipt} (the audit log's proof of the verdict's record) as a last field when not null. */
    public static byte[] toJson(Verdict v, dev.vigil.audit.Receipt receipt) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            write(g, v, receipt);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** Writes the verdict as one JSON object. */
    public static void write(JsonGenerator g, Verdict v) throws IOException {
        write(g, v, null);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Writes the verdict as one JSON object, with the receipt as its last field when there is one. */
    public static void write(JsonGenerator g, Verdict v, dev.vigil.audit.Receipt receipt) throws IOException {
        g.writeStartObject();
        g.writeStringField("request_id", v.requestId());
        g.writeStringField("decision", v.decision().name());
        g.writeStringField("rule", v.rule());
        g.writeStringField("reason", v.reason());
        g.writeObjectFieldStart("signals");
        for (Map.Entry<String, Double> e : v.signals().entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeObjectFieldStart("failures");
        for (Map.Entry<String, String> e : v.failures().entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        writeStrings(g, "findings", v.findings());
        writeStrings(g, "models", v.models());
        g.writeStringField("policy", v.policy());
        g.writeStringField("policy_version", v.policyVersion());
        Verdict.Timings t = v.timings();
        g.writeObjectFieldStart("timings_us");
        g.writeNumberField("decode", t.decodeMicros());
        g.writeNumberField("queue", t.queueMicros());
        g.writeNumberField("inference", t.inferenceMicros());
        g.writeNumberField("policy", t.policyMicros());
        g.writeNumberField("total", t.totalMicros());
        g.writeEndObject();
        g.writeBooleanField("failed_closed", v.failedClosed());
        if (v.decision() != dev.vigil.engine.Decision.ALLOW) {
            writeStatement(g, v);
        }
        if (receipt != null) {
            g.writeFieldName("receipt");
            g.writeRawValue(MAPPER.writeValueAsString(receipt.toJson()));
        }
        g.writeEndObject();
    }

    /**
     * The facts a statement of reasons (EU Digital Services Act, Article 17) needs, for a BLOCK
     * or REVIEW: that detection and decision were automated (a REVIEW leaves the decision to a
     * person), the ground (the policy's rule, with its legal or terms-of-service reference when
     * the policy gives one), the rule's criteria and the facts (the comparisons that fired).
     */
    static void writeStatement(JsonGenerator g, Verdict v) throws IOException {
        boolean block = v.decision() == dev.vigil.engine.Decision.BLOCK;
        g.writeObjectFieldStart("statement_of_reasons");
        g.writeStringField("restriction", block ? "withheld: the image is not returned" : "withheld pending human review");
        g.writeBooleanField("automated_detection", true);
        g.writeStringField("automated_decision", block ? "fully" : "partially");
        g.writeObjectFieldStart("ground");
        g.writeStringField("type", "terms_of_service");
        g.writeStringField("policy", v.policy());
        g.writeStringField("policy_version", v.policyVersion());
        g.writeStringField("rule", v.rule());
        g.writeStringField("reference", v.ground() != null ? v.ground()
                : v.failedClosed() ? "images that cannot be checked are withheld (fail-closed)" : "policy " + v.policy() + ", rule " + v.rule());
        g.writeEndObject();
        g.writeStringField("criteria", v.criteria());
        g.writeStringField("facts", v.reason());
        g.writeEndObject();
    }

    private static void writeStrings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String s : values) {
            g.writeString(s);
        }
        g.writeEndArray();
    }
}
