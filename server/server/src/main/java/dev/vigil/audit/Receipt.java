package dev.vigil.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Proof that one verdict's record is in the log: the record's line as written, its index, a
 * signed checkpoint, and the RFC 9162 audit path from the record's leaf to that checkpoint's
 * root. Anyone with the log's public key can check it without the log. Immutable.
 */
public record Receipt(String record, long index, Checkpoint checkpoint, List<byte[]> path) {
    public static final String FORMAT = "vigil-audit-receipt/v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    public Receipt {
        path = List.copyOf(path);
    }

    /** Null when the receipt holds, else what is wrong with it. */
    public String problem(PublicKey key) {
        String cp = checkpoint.problem(key);
        if (cp != null) {
            return "checkpoint: " + cp;
        }
        try {
            JsonNode r = JSON.readTree(record);
            if (r == null || r.get("seq") == null || r.get("seq").asLong(-1) != index) {
                return "record: its seq " + (r == null ? null : r.get("seq")) + " is not the receipt's index " + index;
            }
        } catch (IOException e) {
            return "record: not JSON (" + e.getMessage() + ")";
        }
        byte[] leaf = Merkle.leafHash(record.getBytes(StandardCharsets.UTF_8));
        if (!Merkle.verifyInclusion(leaf, index, checkpoint.size(), path, checkpoint.root())) {
            return "inclusion proof: the record's leaf at index " + index + " with this path does not give the checkpoint's root "
                    + checkpoint.rootHex() + " (tree size " + checkpoint.size() + ")";
        }
        return null;
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("index", index);
        o.put("record", record);
        o.set("checkpoint", checkpoint.toJson());
        ArrayNode p = o.putArray("path");
        for (byte[] h : path) {
            p.add(HexFormat.of().formatHex(h));
        }
        return o;
    }

    public static Receipt parse(String json) throws IOException {
        JsonNode o = JSON.readTree(json);
        if (o == null || !o.isObject() || !FORMAT.equals(o.path("format").asText())) {
            throw new IOException("format: " + (o == null ? null : o.get("format")) + " (expected: \"" + FORMAT + "\")");
        }
        JsonNode cp = o.get("checkpoint");
        JsonNode record = o.get("record");
        if (cp == null || record == null || !record.isTextual()) {
            throw new IOException("checkpoint and record: missing (expected: both)");
        }
        List<byte[]> path = new ArrayList<>();
        for (JsonNode h : o.path("path")) {
            path.add(Checkpoint.hash(h.asText(), "path"));
        }
        return new Receipt(record.asText(), o.path("index").asLong(-1), Checkpoint.parse(JSON.writeValueAsString(cp)), path);
    }
}
