package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.audit.AuditVerifier;
import dev.vigil.engine.hash.HashListFolder;
import dev.vigil.engine.hash.HashListReader;
import dev.vigil.engine.hash.PdqHash;
import dev.vigil.engine.hash.PdqIndex;
import dev.vigil.models.VigilPaths;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil audit match --list NAME}: every past verdict whose image (or source image) has a
 * PDQ hash, or one of its eight rotations and mirrors, within the match distance of a hash on
 * the list, found from the records alone: no image is needed, and none is kept.
 */
@Command(name = "match", mixinStandardHelpOptions = true,
        description = {"Find every past verdict whose image matches a hash list (PDQ, any of the eight rotations and mirrors), from the records alone.",
                "Prints one JSON line per match; exit 0 when none matched, 1 when some did."})
final class AuditMatch implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    AuditCommand.Location where = new AuditCommand.Location();

    @Option(names = "--list", paramLabel = "NAME", required = true, split = ",",
            description = "Hash list name(s) in --hash-lists (repeatable or comma-separated), or a list file's path.")
    List<String> lists = new ArrayList<>();

    @Option(names = "--hash-lists", paramLabel = "DIR", description = "Folder of PDQ hash lists (default: <cache>/hash-lists).")
    Path hashListsDir;

    @Option(names = "--hash-distance", paramLabel = "BITS", defaultValue = "31",
            description = "Largest Hamming distance that counts as a match (default: ${DEFAULT-VALUE}, as serve).")
    int distance;

    @Override
    public Integer call() throws Exception {
        if (distance < 0 || distance > 256) {
            throw new IllegalArgumentException("hash-distance: " + distance + " (expected: 0..256)");
        }
        Path folder = hashListsDir != null ? hashListsDir : CliSupport.hashListsDir(VigilPaths.resolve(null, null));
        List<String> names = new ArrayList<>();
        List<PdqIndex> indexes = new ArrayList<>();
        for (String list : lists) {
            Path file = Files.isRegularFile(Path.of(list)) ? Path.of(list) : HashListFolder.file(folder, list);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("list: " + list + " (expected: a list in " + folder + ", or a list file)");
            }
            names.add(list);
            indexes.add(HashListReader.read(file));
        }
        PrintWriter out = spec.commandLine().getOut();
        AtomicLong records = new AtomicLong();
        AtomicLong hashed = new AtomicLong();
        AtomicLong matched = new AtomicLong();
        long t0 = System.nanoTime();
        AuditVerifier.read(where.dir(), r -> {
            records.incrementAndGet();
            for (String field : new String[] {"image", "source"}) {
                JsonNode d = r.json().get(field);
                if (d == null || !d.isObject()) {
                    continue;
                }
                List<PdqHash> queries = new ArrayList<>();
                for (JsonNode h : d.path("pdq_dihedral")) {
                    queries.add(PdqHash.fromHex(h.asText()));
                }
                if (queries.isEmpty() && d.hasNonNull("pdq")) {
                    queries.add(PdqHash.fromHex(d.get("pdq").asText()));
                }
                if (queries.isEmpty()) {
                    continue;
                }
                hashed.incrementAndGet();
                for (int l = 0; l < indexes.size(); l++) {
                    List<PdqIndex.Hit> hits = indexes.get(l).searchAny(queries, distance);
                    if (hits.isEmpty()) {
                        continue;
                    }
                    PdqIndex.Hit best = hits.stream().min(java.util.Comparator.comparingInt(PdqIndex.Hit::distance)).orElseThrow();
                    matched.incrementAndGet();
                    ObjectNode m = AuditCommand.JSON.createObjectNode();
                    m.put("seq", r.seq());
                    m.put("time", r.json().path("time").asText());
                    m.put("request_id", r.json().path("request_id").asText());
                    m.put("decision", r.json().path("decision").asText());
                    m.put("field", field);
                    m.put("list", names.get(l));
                    m.put("list_hash", indexes.get(l).hash(best.entry()).toHex());
                    m.put("label", indexes.get(l).label(best.entry()));
                    m.put("distance", best.distance());
                    m.put("transform", dev.vigil.engine.hash.Dihedral.values()[Math.min(best.query(), 7)].name());
                    m.put("image_sha256", d.path("sha256").asText());
                    out.println(m);
                }
            }
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.flush();
        spec.commandLine().getErr().printf(Locale.ROOT, "vigil audit match: %d record(s) read, %d image hash(es) checked against %s (%d hash(es), distance <= %d):"
                        + " %d match(es) in %.2f s%n", records.get(), hashed.get(), String.join(", ", names),
                indexes.stream().mapToInt(PdqIndex::size).sum(), distance, matched.get(), seconds);
        return matched.get() == 0 ? 0 : 1;
    }
}
