package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.audit.AuditKeys;
import dev.vigil.audit.AuditVerifier;
import dev.vigil.audit.Checkpoint;
import dev.vigil.audit.Merkle;
import dev.vigil.audit.Receipt;
import dev.vigil.models.VigilPaths;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil audit}: the audit log read back, offline, by someone who trusts only its public
 * key: verify the whole log, prove one verdict's record (a receipt), check a receipt, export
 * evidence, and match past verdicts against a hash list.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Verify the audit log, prove a verdict's record, export evidence, match past verdicts against a hash list.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Prove.class, AuditCommand.VerifyProof.class, AuditCommand.Consistency.class,
                AuditCommand.VerifyConsistency.class, AuditExport.class, AuditMatch.class})
public final class AuditCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** {@code --dir} and {@code --public-key}, as every subcommand takes them. */
    static final class Location {
        @Option(names = "--dir", paramLabel = "DIR", description = "The audit log (default: <cache>/audit, as serve writes it).")
        Path dir;

        @Option(names = "--public-key", paramLabel = "PEM",
                description = "The log's public key, from a copy you trust (default: audit-key.pub.pem in the log's directory or bundle).")
        Path publicKey;

        Path dir() {
            return dir != null ? dir : VigilPaths.resolve(null, null).cache().resolve("audit");
        }

        PublicKey key(Path logDir) throws IOException {
            Path file = publicKey != null ? publicKey : logDir.resolve(AuditKeys.PUBLIC_FILE);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("public-key: " + file + " does not exist (expected: the log's Ed25519 public key in PEM; give it with --public-key)");
            }
            return AuditKeys.readPublic(file);
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check the whole log offline with its public key: every record's hash chain and sequence, every checkpoint's signature,"
                    + " chain and Merkle root.", "Exit 0 when it verifies; 1 naming the first bad record or checkpoint."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Location where = new Location();

        @Parameters(paramLabel = "PATH", arity = "0..1", description = "A log directory or an exported bundle (.zip); default: --dir.")
        Path path;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path target = path != null ? path : where.dir();
            if (Files.isRegularFile(target)) {
                return AuditExport.verifyBundle(target, where.publicKey, out);
            }
            if (!Files.isDirectory(target)) {
                throw new IllegalArgumentException("path: " + target + " does not exist (expected: an audit log directory or an exported bundle)");
            }
            PublicKey key = where.key(target);
            long t0 = System.nanoTime();
            AuditVerifier.Result r = AuditVerifier.verify(target, key);
            double seconds = (System.nanoTime() - t0) / 1e9;
            for (String note : r.notes()) {
                out.println("note: " + note);
            }
            if (r.ok()) {
                out.printf(Locale.ROOT, "OK: %d record(s) in %d segment(s), %d checkpoint(s) verified with key %s in %.2f s%n", r.records(), r.segments(),
                        r.checkpoints(), AuditKeys.keyId(key), seconds);
                out.flush();
                return 0;
            }
            out.printf(Locale.ROOT, "FAILED: %s%n(%d record(s) and %d checkpoint(s) verified before it)%n", r.problem(), r.records(), r.checkpoints());
            out.flush();
            return 1;
        }
    }

    @Command(name = "prove", mixinStandardHelpOptions = true,
            description = "Print the receipt of a verdict's record: the record, a signed checkpoint covering it, and its inclusion proof (JSON, one per line).")
    static final class Prove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Location where = new Location();

        @Parameters(paramLabel = "REQUEST_ID", description = "The verdict's request id (every record with it is proved), or #SEQ for one record by its position.")
        String requestId;

        @Override
        public Integer call() throws Exception {
            Path dir = where.dir();
            List<byte[]> leaves = new ArrayList<>();
            List<Long> matches = new ArrayList<>();
            List<String> lines = new ArrayList<>();
            Long wantedSeq = requestId.startsWith("#") ? parseSeq(requestId) : null;
            AuditVerifier.read(dir, r -> {
                leaves.add(r.leaf());
                boolean hit = wantedSeq != null ? r.seq() == wantedSeq : requestId.equals(r.json().path("request_id").asText(null));
                if (hit) {
                    matches.add(r.seq());
                    lines.add(r.text());
                }
            });
            if (matches.isEmpty()) {
                spec.commandLine().getErr().printf(Locale.ROOT, "vigil audit prove: request id %s: no record in %s (%d records)%n", requestId, dir, leaves.size());
                return 1;
            }
            List<Checkpoint> checkpoints = AuditVerifier.checkpoints(dir);
            PrintWriter out = spec.commandLine().getOut();
            int unsigned = 0;
            for (int i = 0; i < matches.size(); i++) {
                long seq = matches.get(i);
                Checkpoint covering = null;
                for (Checkpoint c : checkpoints) {
                    if (c.size() > seq && c.size() <= leaves.size()) {
                        covering = c; // the latest that covers it
                    }
                }
                if (covering == null) {
                    unsigned++;
                    continue;
                }
                List<byte[]> path = Merkle.inclusionProof(leaves, seq, covering.size());
                out.println(JSON.writeValueAsString(new Receipt(lines.get(i), seq, covering, path).toJson()));
            }
            out.flush();
            if (unsigned > 0) {
                spec.commandLine().getErr().printf(Locale.ROOT, "vigil audit prove: %d record(s) not yet covered by a checkpoint; try again in a second%n", unsigned);
                return 1;
            }
            return 0;
        }

        private static long parseSeq(String s) {
            try {
                return Long.parseLong(s.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("REQUEST_ID: " + s + " (expected: a request id, or # and a record's seq)");
            }
        }
    }

    @Command(name = "verify-proof", mixinStandardHelpOptions = true,
            description = {"Check a receipt (from vigil audit prove, or returned with a verdict) with only the log's public key.",
                    "Exit 0 when it holds, 1 when it does not."})
    static final class VerifyProof implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Location where = new Location();

        @Parameters(paramLabel = "FILE", description = "The receipt: JSON, or a verdict's JSON carrying one in its receipt field; - for standard input.")
        String file;

        @Override
        public Integer call() throws Exception {
            String text = file.equals("-") ? new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8) : Files.readString(Path.of(file));
            var node = JSON.readTree(text);
            if (node != null && node.has("receipt")) {
                text = JSON.writeValueAsString(node.get("receipt"));
            }
            Receipt receipt = Receipt.parse(text);
            PublicKey key = where.key(where.dir());
            String problem = receipt.problem(key);
            PrintWriter out = spec.commandLine().getOut();
            if (problem == null) {
                out.printf(Locale.ROOT, "OK: record %d is in the log of key %s: checkpoint of %d records, root %s, signed %s%n", receipt.index(),
                        receipt.checkpoint().keyId(), receipt.checkpoint().size(), receipt.checkpoint().rootHex(), receipt.checkpoint().time());
                out.println("record: " + receipt.record());
                out.flush();
                return 0;
            }
            out.println("FAILED: " + problem);
            out.flush();
            return 1;
        }
    }

    /** The checkpoint a file holds: a receipt's, a verdict's receipt's, or a checkpoint itself. */
    static Checkpoint checkpointIn(Path file) throws IOException {
        var node = JSON.readTree(Files.readString(file));
        if (node != null && node.has("receipt")) {
            node = node.get("receipt");
        }
        if (node != null && node.has("checkpoint")) {
            node = node.get("checkpoint");
        }
        return Checkpoint.parse(JSON.writeValueAsString(node));
    }

    @Command(name = "consistency", mixinStandardHelpOptions = true,
            description = {"Prove that the log still holds, unchanged, what an earlier checkpoint signed: a consistency proof (RFC 9162) from the"
                    + " checkpoint in FILE (a receipt, a verdict carrying one, or a checkpoint) to the log's latest, as JSON."})
    static final class Consistency implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Location where = new Location();

        @Parameters(paramLabel = "FILE", description = "A receipt, a verdict with its receipt, or a checkpoint (JSON).")
        Path file;

        @Override
        public Integer call() throws Exception {
            Checkpoint first = checkpointIn(file);
            Path dir = where.dir();
            List<byte[]> leaves = new ArrayList<>();
            AuditVerifier.read(dir, r -> leaves.add(r.leaf()));
            List<Checkpoint> all = AuditVerifier.checkpoints(dir);
            if (all.isEmpty()) {
                throw new IllegalArgumentException("dir: " + dir + " has no checkpoint (expected: an audit log)");
            }
            Checkpoint second = all.get(all.size() - 1);
            if (first.size() > second.size() || second.size() > leaves.size()) {
                throw new IllegalArgumentException("FILE: a checkpoint of " + first.size() + " records (expected: <= the log's latest, " + second.size() + ")");
            }
            var o = JSON.createObjectNode();
            o.put("format", "vigil-audit-consistency/v1");
            o.set("first", first.toJson());
            o.set("second", second.toJson());
            var path = o.putArray("path");
            for (byte[] h : Merkle.consistencyProof(leaves, first.size(), second.size())) {
                path.add(java.util.HexFormat.of().formatHex(h));
            }
            spec.commandLine().getOut().println(JSON.writeValueAsString(o));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "verify-consistency", mixinStandardHelpOptions = true,
            description = {"Check a consistency proof (from vigil audit consistency) with only the log's public key: both checkpoints signed by it,"
                    + " and the first tree a prefix of the second.", "Exit 0 when it holds, 1 when it does not."})
    static final class VerifyConsistency implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Location where = new Location();

        @Parameters(paramLabel = "FILE", description = "The proof, as vigil audit consistency wrote it.")
        Path file;

        @Override
        public Integer call() throws Exception {
            var node = JSON.readTree(Files.readString(file));
            if (node == null || !"vigil-audit-consistency/v1".equals(node.path("format").asText())) {
                throw new IllegalArgumentException("FILE: " + file + " (expected: a vigil-audit-consistency/v1 proof)");
            }
            Checkpoint first = Checkpoint.parse(JSON.writeValueAsString(node.get("first")));
            Checkpoint second = Checkpoint.parse(JSON.writeValueAsString(node.get("second")));
            List<byte[]> path = new ArrayList<>();
            for (var h : node.path("path")) {
                path.add(java.util.HexFormat.of().parseHex(h.asText()));
            }
            PublicKey key = where.key(where.dir());
            PrintWriter out = spec.commandLine().getOut();
            String problem = first.problem(key) != null ? "first checkpoint: " + first.problem(key)
                    : second.problem(key) != null ? "second checkpoint: " + second.problem(key)
                    : !Merkle.verifyConsistency(first.size(), second.size(), path, first.root(), second.root())
                    ? "the tree of " + first.size() + " records (root " + first.rootHex() + ") is not a prefix of the tree of " + second.size()
                            + " (root " + second.rootHex() + "): the log was rewritten, or the proof is not for these checkpoints"
                    : null;
            if (problem == null) {
                out.printf(Locale.ROOT, "OK: the %d records signed at %s are unchanged in the %d signed at %s (key %s)%n", first.size(), first.time(),
                        second.size(), second.time(), second.keyId());
                out.flush();
                return 0;
            }
            out.println("FAILED: " + problem);
            out.flush();
            return 1;
        }
    }
}
