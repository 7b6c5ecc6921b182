package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.audit.AuditKeys;
import dev.vigil.audit.AuditLog;
import dev.vigil.audit.AuditVerifier;
import dev.vigil.audit.Checkpoint;
import dev.vigil.audit.Merkle;
import dev.vigil.audit.Receipt;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil audit export}: the records a request for evidence selects, in one zip archive
 * that verifies on its own: the records as written, an inclusion proof of each against the
 * latest signed checkpoint, every checkpoint (so their chain and signatures can be checked),
 * the public key, a manifest with each file's SHA-256, and a README saying how to check it
 * with {@code vigil audit verify BUNDLE} or by hand. With {@code --format dsa-sor} it writes
 * instead the statements of reasons of the selected BLOCK and REVIEW verdicts in the fields of
 * the EU's DSA Transparency Database.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export selected records as a self-verifying evidence bundle (zip), or as DSA statements of reasons (--format dsa-sor)."})
final class AuditExport implements Callable<Integer> {
    static final String RECORDS = "records.jsonl";
    static final String PROOFS = "proofs.jsonl";
    static final String MANIFEST = "MANIFEST.json";
    static final String README = "README.txt";

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    AuditCommand.Location where = new AuditCommand.Location();

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The archive (or, for dsa-sor, the JSON-lines file) to write.")
    Path out;

    @Option(names = "--from", paramLabel = "TIME", description = "Records at or after this instant (ISO-8601, e.g. 2026-12-01T00:00:00Z).")
    Instant from;

    @Option(names = "--to", paramLabel = "TIME", description = "Records before this instant (ISO-8601).")
    Instant to;

    @Option(names = "--request-id", paramLabel = "ID", description = "Only records with this request id (repeatable).")
    List<String> requestIds = new ArrayList<>();

    @Option(names = "--decision", paramLabel = "ALLOW|REVIEW|BLOCK", split = ",", description = "Only records with this decision (repeatable).")
    List<String> decisions = new ArrayList<>();

    @Option(names = "--format", paramLabel = "bundle|dsa-sor", defaultValue = "bundle",
            description = "bundle (default): the self-verifying archive; dsa-sor: statements of reasons, one JSON object per line.")
    String format;

    @Option(names = "--with-images",
            description = "Bundle: include the retained (encrypted) bytes of the selected blocked images, as images/<sha256>.bin; the key is not included.")
    boolean withImages;

    @Option(names = "--platform", paramLabel = "NAME", defaultValue = "vigil",
            description = "For dsa-sor: the platform's name, the prefix of each statement's puid (default: ${DEFAULT-VALUE}).")
    String platform;

    @Override
    public Integer call() throws Exception {
        Set<String> wantedDecisions = new TreeSet<>();
        for (String d : decisions) {
            String u = d.toUpperCase(Locale.ROOT);
            if (!Set.of("ALLOW", "REVIEW", "BLOCK").contains(u)) {
                throw new IllegalArgumentException("decision: " + d + " (expected: ALLOW, REVIEW or BLOCK)");
            }
            wantedDecisions.add(u);
        }
        if (!format.equals("bundle") && !format.equals("dsa-sor")) {
            throw new IllegalArgumentException("format: " + format + " (expected: bundle or dsa-sor)");
        }
        Path dir = where.dir();
        PublicKey key = where.key(dir);
        // only what verifies is exported: evidence from a log that does not hold is no evidence
        AuditVerifier.Result check = AuditVerifier.verify(dir, key);
        if (!check.ok()) {
            throw new IllegalStateException("the log does not verify, so nothing is exported: " + check.problem());
        }
        List<byte[]> leaves = new ArrayList<>();
        List<String> selected = new ArrayList<>();
        List<Long> seqs = new ArrayList<>();
        AuditVerifier.read(dir, r -> {
            leaves.add(r.leaf());
            JsonNode j = r.json();
            Instant t = Instant.parse(j.path("time").asText());
            boolean keep = (from == null || !t.isBefore(from)) && (to == null || t.isBefore(to))
                    && (requestIds.isEmpty() || requestIds.contains(j.path("request_id").asText()))
                    && (wantedDecisions.isEmpty() || wantedDecisions.contains(j.path("decision").asText()));
            if (keep) {
                selected.add(r.text());
                seqs.add(r.seq());
            }
        });
        PrintWriter log = spec.commandLine().getErr();
        if (format.equals("dsa-sor")) {
            int n = DsaStatements.write(selected, platform, out);
            log.printf(Locale.ROOT, "vigil audit export: %d statement(s) of reasons (BLOCK and REVIEW among %d selected record(s)) written to %s%n", n,
                    selected.size(), out);
            log.flush();
            return 0;
        }
        List<Checkpoint> checkpoints = AuditVerifier.checkpoints(dir);
        Checkpoint latest = checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
        StringBuilder proofs = new StringBuilder();
        StringBuilder records = new StringBuilder();
        int unsigned = 0;
        for (int i = 0; i < selected.size(); i++) {
            long seq = seqs.get(i);
            if (latest == null || seq >= latest.size()) {
                unsigned++;
                continue; // not yet under a checkpoint: it cannot be proved, so it is left out (and said)
            }
            records.append(selected.get(i)).append('\n');
            Receipt receipt = new Receipt(selected.get(i), seq, latest, Merkle.inclusionProof(leaves, seq, latest.size()));
            proofs.append(AuditCommand.JSON.writeValueAsString(receipt.toJson())).append('\n');
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        int images = 0;
        int purged = 0;
        if (withImages) {
            for (String line : records.toString().split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                JsonNode r = AuditCommand.JSON.readTree(line);
                if (!r.path("retained").asBoolean(false)) {
                    continue;
                }
                String sha = r.path("image").path("sha256").asText();
                Path kept = dir.resolve("retained").resolve(sha.substring(0, 2)).resolve(sha + ".bin");
                if (Files.isRegularFile(kept)) {
                    if (files.put("images/" + sha + ".bin", Files.readAllBytes(kept)) == null) {
                        images++;
                    }
                } else {
                    purged++;
                }
            }
        }
        files.put(RECORDS, records.toString().getBytes(StandardCharsets.UTF_8));
        files.put(PROOFS, proofs.toString().getBytes(StandardCharsets.UTF_8));
        files.put(AuditLog.CHECKPOINTS, Files.readAllBytes(dir.resolve(AuditLog.CHECKPOINTS)));
        files.put(AuditKeys.PUBLIC_FILE, AuditKeys.pem(key).getBytes(StandardCharsets.US_ASCII));
        files.put(README, readme(selected.size() - unsigned, latest).getBytes(StandardCharsets.UTF_8));
        ObjectNode manifest = AuditCommand.JSON.createObjectNode();
        manifest.put("format", "vigil-audit-bundle/v1");
        manifest.put("created", Instant.now().toString());
        manifest.put("key", AuditKeys.keyId(key));
        ObjectNode filters = manifest.putObject("selection");
        filters.put("from", from == null ? null : from.toString());
        filters.put("to", to == null ? null : to.toString());
        ArrayNode ids = filters.putArray("request_ids");
        requestIds.forEach(ids::add);
        ArrayNode ds = filters.putArray("decisions");
        wantedDecisions.forEach(ds::add);
        manifest.put("records", selected.size() - unsigned);
        manifest.put("log_size", leaves.size());
        manifest.put("checkpoint_size", latest == null ? 0 : latest.size());
        if (withImages) {
            manifest.put("images", images);
            manifest.put("images_purged", purged);
        }
        ObjectNode digests = manifest.putObject("sha256");
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            digests.put(f.getKey(), HexFormat.of().formatHex(Merkle.sha256Of(f.getValue())));
        }
        files.put(MANIFEST, AuditCommand.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try (OutputStream o = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(o)) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(f.getKey()));
                zip.write(f.getValue());
                zip.closeEntry();
            }
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.printf(Locale.ROOT, "vigil audit export: %d record(s) with their proofs against checkpoint %d (root %s)%s written to %s%s%n",
                selected.size() - unsigned, latest == null ? 0 : latest.size(), latest == null ? "-" : latest.rootHex(),
                withImages ? ", " + images + " retained image(s) (" + purged + " purged after their retention period)" : "", out,
                unsigned > 0 ? "; " + unsigned + " record(s) after the last checkpoint left out (export again in a second)" : "");
        log.flush();
        return 0;
    }

    private static String readme(int records, Checkpoint latest) {
        return """
                Vigil audit evidence bundle (vigil-audit-bundle/v1)

                records.jsonl      the selected verdict records, each exactly as the log wrote it (one JSON object per line)
                proofs.jsonl       for each record, in the same order, its inclusion proof (RFC 9162 audit path) against the
                                   latest signed checkpoint; the proof carries the record and the checkpoint
                checkpoints.jsonl  every signed checkpoint of the log, each chained to the one before (field "previous")
                audit-key.pub.pem  the log's Ed25519 public key; compare it with a copy you obtained independently
                MANIFEST.json      what was selected, and the SHA-256 of every other file
                images/            (with --with-images) the retained blocked images, AES-256-GCM encrypted as stored:
                                   "VGR1", a 12-byte nonce, ciphertext and tag, the image's SHA-256 (hex) as associated
                                   data; the key travels separately. Decrypted, each hashes to its name and to its
                                   record's image.sha256

                To check it:   vigil audit verify THIS.zip [--public-key YOUR-COPY.pem]

                By hand: a record's leaf hash is SHA-256(0x00 || the record's line, without its newline); an inner node is
                SHA-256(0x01 || left || right); the audit path gives the checkpoint's "root" as RFC 9162 section 2.1.3.2
                says. A checkpoint's signature (Ed25519, base64) covers the UTF-8 text
                "vigil-audit/v1\\n" + key + "\\n" + size + "\\n" + root + "\\n" + time + "\\n" + previous + "\\n".

                """ + records + " record(s); proofs against the checkpoint of " + (latest == null ? 0 : latest.size()) + " records, root "
                + (latest == null ? "-" : latest.rootHex()) + ", signed " + (latest == null ? "-" : latest.time()) + ".\n";
    }

    /** {@code vigil audit verify BUNDLE}: manifest, checkpoints' chain and signatures, and every record's proof. */
    static int verifyBundle(Path bundle, Path publicKeyFlag, PrintWriter out) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(bundle.toFile())) {
            var entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                try (var in = zip.getInputStream(e)) {
                    files.put(e.getName(), in.readAllBytes());
                }
            }
        } catch (java.util.zip.ZipException e) {
            out.println("FAILED: " + bundle + ": not a zip archive (" + e.getMessage() + ")");
            out.flush();
            return 1;
        }
        for (String needed : List.of(MANIFEST, RECORDS, PROOFS, AuditLog.CHECKPOINTS, AuditKeys.PUBLIC_FILE)) {
            if (!files.containsKey(needed)) {
                return fail(out, needed + ": missing from the bundle");
            }
        }
        JsonNode manifest = AuditCommand.JSON.readTree(files.get(MANIFEST));
        for (var it = manifest.path("sha256").fields(); it.hasNext(); ) {
            var f = it.next();
            byte[] content = files.get(f.getKey());
            if (content == null) {
                return fail(out, f.getKey() + ": listed in the manifest but missing from the bundle");
            }
            String actual = HexFormat.of().formatHex(Merkle.sha256Of(content));
            if (!actual.equals(f.getValue().asText())) {
                return fail(out, f.getKey() + ": SHA-256 " + actual + " is not the manifest's " + f.getValue().asText() + "; the file was changed");
            }
        }
        PublicKey key;
        Path tmpKey = Files.createTempFile("vigil-bundle-key", ".pem");
        try {
            Files.write(tmpKey, files.get(AuditKeys.PUBLIC_FILE));
            key = AuditKeys.readPublic(publicKeyFlag != null ? publicKeyFlag : tmpKey);
        } finally {
            Files.deleteIfExists(tmpKey);
        }
        if (publicKeyFlag != null && !Arrays.equals(key.getEncoded(), AuditKeys.readPublicBytes(files.get(AuditKeys.PUBLIC_FILE)))) {
            return fail(out, AuditKeys.PUBLIC_FILE + ": the bundle's public key is not the one given with --public-key");
        }
        // the checkpoints: each signed, each chained to the one before
        List<Checkpoint> checkpoints = new ArrayList<>();
        byte[] previous = Checkpoint.none();
        int n = 0;
        for (String line : new String(files.get(AuditLog.CHECKPOINTS), StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            n++;
            Checkpoint c;
            try {
                c = Checkpoint.parse(line);
            } catch (IOException e) {
                return fail(out, AuditLog.CHECKPOINTS + " line " + n + ": not a checkpoint (" + e.getMessage() + ")");
            }
            String problem = c.problem(key);
            if (problem != null) {
                return fail(out, AuditLog.CHECKPOINTS + " line " + n + " (size " + c.size() + "): " + problem);
            }
            if (!Arrays.equals(c.previous(), previous)) {
                return fail(out, AuditLog.CHECKPOINTS + " line " + n + ": not chained to the checkpoint before it; checkpoints were removed, inserted or reordered");
            }
            previous = Checkpoint.lineHash(line);
            checkpoints.add(c);
        }
        String[] records = new String(files.get(RECORDS), StandardCharsets.UTF_8).split("\n");
        String[] proofs = new String(files.get(PROOFS), StandardCharsets.UTF_8).split("\n");
        int count = files.get(RECORDS).length == 0 ? 0 : records.length;
        int proofCount = files.get(PROOFS).length == 0 ? 0 : proofs.length;
        if (count != proofCount) {
            return fail(out, RECORDS + " holds " + count + " record(s) but " + PROOFS + " " + proofCount + " proof(s)");
        }
        for (int i = 0; i < count; i++) {
            Receipt r;
            try {
                r = Receipt.parse(proofs[i]);
            } catch (IOException e) {
                return fail(out, PROOFS + " line " + (i + 1) + ": not a receipt (" + e.getMessage() + ")");
            }
            if (!r.record().equals(records[i])) {
                return fail(out, RECORDS + " line " + (i + 1) + ": not the record its proof is for");
            }
            boolean known = checkpoints.stream().anyMatch(c -> c.size() == r.checkpoint().size() && Arrays.equals(c.root(), r.checkpoint().root()));
            if (!known) {
                return fail(out, PROOFS + " line " + (i + 1) + ": its checkpoint (size " + r.checkpoint().size() + ") is not among the bundle's checkpoints");
            }
            String problem = r.problem(key);
            if (problem != null) {
                return fail(out, RECORDS + " line " + (i + 1) + " (seq " + r.index() + "): " + problem);
            }
        }
        out.printf(Locale.ROOT, "OK: bundle %s: %d record(s) proved against signed checkpoints, %d checkpoint(s) chained and signed by key %s, %d file(s) match"
                + " the manifest%s%n", bundle.getFileName(), count, checkpoints.size(), AuditKeys.keyId(key), manifest.path("sha256").size(),
                publicKeyFlag == null ? " (key: the bundle's own; compare it with a copy you trust, or give --public-key)" : "");
        out.flush();
        return 0;
    }

    private static int fail(PrintWriter out, String problem) {
        out.println("FAILED: " + problem);
        out.flush();
        return 1;
    }

}
