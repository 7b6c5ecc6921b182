package dev.vigil.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * A signed tree head: the log's first {@code size} records hash to {@code root} (RFC 9162's
 * MTH), as of {@code time}, signed with the key {@code keyId} names, and chained to the
 * checkpoint before it ({@code previous}: the SHA-256 of that checkpoint's line, zeros for the
 * first), so that a checkpoint removed, reordered or inserted shows. What is signed is the
 * text {@code "vigil-audit/v1\n" + keyId + "\n" + size + "\n" + root (hex) + "\n" + time
 * (ISO-8601) + "\n" + previous (hex) + "\n"}. The frontier (the roots of the perfect subtrees the records make,
 * largest first) is carried unsigned so that the writer can resume without rereading the
 * log; a verifier checks that it hashes to the signed root. Immutable.
 */
public record Checkpoint(long size, byte[] root, Instant time, String keyId, byte[] previous, List<byte[]> frontier, byte[] signature) {
    public static final String FORMAT = "vigil-audit/v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    public Checkpoint {
        frontier = List.copyOf(frontier);
    }

    /** The bytes the signature covers. */
    public static byte[] signedMessage(String keyId, long size, byte[] root, Instant time, byte[] previous) {
        return (FORMAT + "\n" + keyId + "\n" + size + "\n" + HexFormat.of().formatHex(root) + "\n" + time + "\n"
                + HexFormat.of().formatHex(previous) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    public byte[] signedMessage() {
        return signedMessage(keyId, size, root, time, previous);
    }

    /** Signs the tree head {@code frontier} describes, as of {@code time}, after the checkpoint whose line hashes to {@code previous}. */
    public static Checkpoint sign(AuditKeys keys, Merkle.Frontier frontier, Instant time, byte[] previous) {
        byte[] root = frontier.root();
        byte[] sig = keys.sign(signedMessage(keys.keyId(), frontier.size(), root, time, previous));
        return new Checkpoint(frontier.size(), root, time, keys.keyId(), previous, frontier.subtrees(), sig);
    }

    /** What the next checkpoint's {@code previous} is: the SHA-256 of this one's line. */
    public static byte[] lineHash(String line) {
        return Merkle.sha256().digest(line.getBytes(StandardCharsets.UTF_8));
    }

    /** The {@code previous} of the first checkpoint. */
    public static byte[] none() {
        return new byte[Merkle.HASH_BYTES];
    }

    /** Whether the signature is {@code key}'s over this head, and the frontier hashes to the root. */
    public String problem(PublicKey key) {
        if (!keyId.equals(AuditKeys.keyId(key))) {
            return "signed with key " + keyId + " (expected: " + AuditKeys.keyId(key) + ", the public key given)";
        }
        if (!AuditKeys.verify(key, signedMessage(), signature)) {
            return "signature does not verify with key " + keyId;
        }
        if (!Arrays.equals(Merkle.Frontier.rootOf(frontier, size), root)) {
            return "frontier does not hash to the signed root";
        }
        return null;
    }

    public String rootHex() {
        return HexFormat.of().formatHex(root);
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("size", size);
        o.put("root", rootHex());
        o.put("time", time.toString());
        o.put("key", keyId);
        o.put("previous", HexFormat.of().formatHex(previous));
        ArrayNode f = o.putArray("frontier");
        for (byte[] h : frontier) {
            f.add(HexFormat.of().formatHex(h));
        }
        o.put("signature", Base64.getEncoder().encodeToString(signature));
        return o;
    }

    public String toLine() {
        try {
            return JSON.writeValueAsString(toJson());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses one line of {@code checkpoints.jsonl}; fails naming the field that is missing or malformed. */
    public static Checkpoint parse(String line) throws IOException {
        JsonNode o = JSON.readTree(line);
        if (o == null || !o.isObject()) {
            throw new IOException("not a JSON object");
        }
        try {
            long size = field(o, "size").asLong(-1);
            if (size < 0) {
                throw new IOException("size: " + o.get("size") + " (expected: a count >= 0)");
            }
            byte[] root = hash(field(o, "root").asText(), "root");
            Instant time = Instant.parse(field(o, "time").asText());
            String key = field(o, "key").asText();
            byte[] previous = hash(field(o, "previous").asText(), "previous");
            List<byte[]> frontier = new ArrayList<>();
            for (JsonNode h : field(o, "frontier")) {
                frontier.add(hash(h.asText(), "frontier"));
            }
            byte[] sig = Base64.getDecoder().decode(field(o, "signature").asText());
            return new Checkpoint(size, root, time, key, previous, frontier, sig);
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static JsonNode field(JsonNode o, String name) throws IOException {
        JsonNode v = o.get(name);
        if (v == null || v.isNull()) {
            throw new IOException(name + ": missing");
        }
        return v;
    }

    static byte[] hash(String hex, String what) throws IOException {
        if (hex.length() != 2 * Merkle.HASH_BYTES) {
            throw new IOException(what + ": " + hex + " (expected: " + 2 * Merkle.HASH_BYTES + " hex digits)");
        }
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IOException(what + ": " + hex + " (expected: hex digits)", e);
        }
    }
}
