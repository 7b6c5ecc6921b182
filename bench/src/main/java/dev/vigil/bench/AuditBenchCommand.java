package dev.vigil.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.audit.AuditKeys;
import dev.vigil.audit.AuditLog;
import dev.vigil.audit.AuditVerifier;
import dev.vigil.cli.VigilCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil bench audit}: the audit log at scale, without the models: writes N records shaped
 * like real ones (the fields a verdict's record has, random PDQ hashes for image and source)
 * through the real writer, then times {@code vigil audit verify} and {@code vigil audit match}
 * against a list of hashes, some of them planted near recorded images (turned or not) so that
 * the matches found can be counted against the matches planted.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Write N synthetic verdict records through the audit log, then time verify and match (retro-matching a hash list) over them.")
final class AuditBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--records", paramLabel = "N", defaultValue = "1000000", description = "Records to write (default: ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--list-size", paramLabel = "N", defaultValue = "10000", description = "Hashes on the list matched against (default: ${DEFAULT-VALUE}).")
    int listSize;

    @Option(names = "--planted", paramLabel = "N", defaultValue = "100",
            description = "Of those, hashes within 8 bits of a recorded image's hash, half of them of a turned copy (default: ${DEFAULT-VALUE}).")
    int planted;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to write the log (default: a temporary folder, removed afterwards).")
    Path dir;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean temporary = dir == null;
        Path logDir = temporary ? Files.createTempDirectory("vigil-bench-audit") : dir;
        try {
            SplittableRandom random = new SplittableRandom(seed);
            List<String[]> plantedFrom = new ArrayList<>(); // dihedral hashes of some records, to plant near
            long t0 = System.nanoTime();
            try (AuditLog log = AuditLog.open(AuditLog.Options.defaults(logDir))) {
                List<CompletableFuture<AuditLog.Appended>> window = new ArrayList<>();
                int every = Math.max(1, records / Math.max(1, planted));
                for (int i = 0; i < records; i++) {
                    String[] dihedral = new String[8];
                    for (int k = 0; k < 8; k++) {
                        dihedral[k] = randomHash(random);
                    }
                    if (i % every == 0 && plantedFrom.size() < planted) {
                        plantedFrom.add(dihedral);
                    }
                    window.add(log.append(Instant.now(), body(i, dihedral, random), false));
                    if (window.size() == 4096) {
                        CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
                        window.clear();
                    }
                }
                CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
                double writeSeconds = (System.nanoTime() - t0) / 1e9;
                err.printf(Locale.ROOT, "vigil bench audit: %d records written in %.1f s (%.0f records/s, %.0f bytes each)%n", records, writeSeconds,
                        records / writeSeconds, (double) log.bytesWritten() / records);
                out.printf(Locale.ROOT, "write: %d records in %.1f s = %.0f records/s, %.0f bytes/record, %.1f MiB%n", records, writeSeconds,
                        records / writeSeconds, (double) log.bytesWritten() / records, log.bytesWritten() / 1048576.0);
            }
            long v0 = System.nanoTime();
            AuditVerifier.Result verified = AuditVerifier.verify(logDir, AuditKeys.readPublic(logDir.resolve(AuditKeys.PUBLIC_FILE)));
            double verifySeconds = (System.nanoTime() - v0) / 1e9;
            out.printf(Locale.ROOT, "verify: %s, %d records, %d checkpoints in %.1f s (%.0f records/s)%n", verified.ok() ? "OK" : "FAILED " + verified.problem(),
                    verified.records(), verified.checkpoints(), verifySeconds, verified.records() / verifySeconds);

            // the list: random hashes, and planted ones within 8 bits of recorded images (original or turned)
            Path lists = logDir.resolve("lists");
            Files.createDirectories(lists);
            StringBuilder list = new StringBuilder("hash\tlabel\n");
            for (int i = 0; i < listSize - plantedFrom.size(); i++) {
                list.append(randomHash(random)).append("\trandom-").append(i).append('\n');
            }
            for (int i = 0; i < plantedFrom.size(); i++) {
                String near = flipBits(plantedFrom.get(i)[i % 2 == 0 ? 0 : 5], 8, random);
                list.append(near).append("\tplanted-").append(i).append('\n');
            }
            Files.writeString(lists.resolve("bench.tsv"), list);
            StringWriter matchOut = new StringWriter();
            StringWriter matchErr = new StringWriter();
            long m0 = System.nanoTime();
            int status = VigilCommand.run(new String[] {"audit", "match", "--dir", logDir.toString(), "--hash-lists", lists.toString(), "--list", "bench"},
                    new PrintWriter(matchOut, true), new PrintWriter(matchErr, true));
            double matchSeconds = (System.nanoTime() - m0) / 1e9;
            long found = matchOut.toString().lines().filter(l -> l.contains("\"label\":\"planted-")).count();
            long falseHits = matchOut.toString().lines().filter(l -> !l.contains("\"label\":\"planted-")).count();
            out.printf(Locale.ROOT, "match: %d records against %d list hashes in %.1f s (%.0f records/s); planted %d, found %d, other matches %d (exit %d)%n",
                    verified.records(), listSize, matchSeconds, verified.records() / matchSeconds, plantedFrom.size(), found, falseHits, status);
            err.print(matchErr);
            out.flush();
            return verified.ok() && found == plantedFrom.size() ? 0 : 1;
        } finally {
            if (temporary) {
                try (var files = Files.walk(logDir)) {
                    for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        }
    }

    /** A record shaped like a real one: the fields and sizes a verdict's record has. */
    private static ObjectNode body(int i, String[] dihedral, SplittableRandom random) {
        ObjectNode o = BenchCommand.JSON.createObjectNode();
        o.put("request_id", "bench-" + i);
        ObjectNode c = o.putObject("client");
        c.put("auth", "token").put("subject", "token:0a1b2c3d").put("name", "bench").put("peer", "127.0.0.1:40000");
        o.put("transport", "binary");
        o.putObject("policy").put("name", "strict").put("version", "2026.11.1");
        ArrayNode models = o.putArray("models");
        models.addObject().put("name", "nsfw-mobilenet-v2-mid").put("version", "1").put("sha256", randomHex(random, 32));
        o.put("decision", "ALLOW").put("failed_closed", false).put("rule", "default").put("reason", "no rule fired");
        ObjectNode s = o.putObject("signals");
        for (String name : new String[] {"hash_match", "sexual", "suggestive", "classifier.drawing", "classifier.hentai", "classifier.neutral",
                "classifier.porn", "classifier.sexy"}) {
            s.put(name, random.nextDouble());
        }
        o.putObject("failures");
        o.putArray("findings");
        o.putObject("timings_us").put("decode", 2100).put("queue", 350).put("inference", 4200).put("policy", 12).put("total", 6700);
        ObjectNode image = o.putObject("image");
        image.put("sha256", randomHex(random, 32)).put("bytes", 180_000).put("pdq", dihedral[0]).put("pdq_quality", 100);
        ArrayNode d = image.putArray("pdq_dihedral");
        for (String h : dihedral) {
            d.add(h);
        }
        o.putNull("source");
        return o;
    }

    private static String randomHash(SplittableRandom random) {
        return randomHex(random, 32);
    }

    private static String randomHex(SplittableRandom random, int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return HexFormat.of().formatHex(b);
    }

    private static String flipBits(String hex, int bits, SplittableRandom random) {
        byte[] b = HexFormat.of().parseHex(hex);
        java.util.Set<Integer> flipped = new java.util.HashSet<>();
        while (flipped.size() < bits) {
            flipped.add(random.nextInt(256));
        }
        for (int k : flipped) {
            b[k / 8] ^= (byte) (1 << (k % 8));
        }
        return HexFormat.of().formatHex(b);
    }
}
