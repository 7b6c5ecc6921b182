package dev.vigil.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.audit.AuditKeys;
import dev.vigil.audit.AuditVerifier;
import dev.vigil.engine.Gate;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.TestModels;
import dev.vigil.engine.Verdict;
import dev.vigil.engine.image.EncodedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job in local mode, as {@code spark-submit --master local[2]} runs it, on the
 * project's photos in a folder tree with a corrupt file and a file that is not an image: one
 * Parquet row per image, the corrupt one with its error, every other row's decision and signals
 * those the gate gives the same bytes, and the executor's audit log holding one verifying record
 * per image.
 */
class SparkScanTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        TestModels.repository();
        spark = SparkSession.builder().master("local[2]").appName("vigil-scan-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        ScanWorker.closeAll();
    }

    @Test
    void scoresATreeIntoParquetWithTheAuditRecords(@TempDir Path tmp) throws Exception {
        Path corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus.resolve("a/b"));
        List<String> names;
        try (Stream<Path> s = Files.list(TestModels.referencePhotos())) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (int i = 0; i < names.size(); i++) {
            Files.copy(TestModels.referencePhotos().resolve(names.get(i)), corpus.resolve(i % 2 == 0 ? "a" : "a/b").resolve(names.get(i)));
        }
        Path corrupt = corpus.resolve("a/b/corrupt.PNG");
        Files.write(corrupt, java.util.Arrays.copyOf(Files.readAllBytes(TestModels.referencePhotos().resolve("c.png")), 4000));
        Files.writeString(corpus.resolve("a/readme.txt"), "not an image");
        Path audit = tmp.resolve("audit");
        Path output = tmp.resolve("scan.parquet");

        ScanWorker.Settings settings = new ScanWorker.Settings(null, null, null, audit.toString(), Duration.ofMinutes(1));
        SparkScan.scan(spark, List.of(corpus.toUri().toString()), settings).write().parquet(output.toString());

        Dataset<Row> rows = spark.read().parquet(output.toString());
        assertEquals(SparkScan.SCHEMA.fieldNames().length, rows.schema().fieldNames().length);
        assertEquals(List.of(SparkScan.SCHEMA.fieldNames()), List.of(rows.schema().fieldNames()));
        List<Row> all = rows.collectAsList();
        System.err.println(rows.schema().treeString());
        rows.orderBy("path").show(3, 60, false);
        assertEquals(names.size() + 1, all.size(), "every image, not the text file");
        Map<String, Row> byName = new HashMap<>();
        for (Row r : all) {
            byName.put(Path.of(java.net.URI.create(r.getAs("path"))).getFileName().toString(), r);
        }
        Row bad = byName.get("corrupt.PNG");
        assertEquals("BLOCK", bad.getAs("decision"), "an undecodable image fails closed");
        assertTrue(bad.<Boolean>getAs("failed_closed"));
        assertTrue(((String) bad.getAs("error")).length() > 0);

        // the same bytes through a gate of this JVM: the same decision and signals
        try (Gate gate = Gate.builder().optRepository(TestModels.repository()).build()) {
            for (String name : names) {
                Row r = byName.get(name);
                byte[] bytes = Files.readAllBytes(TestModels.referencePhotos().resolve(name));
                Verdict v = gate.score(new ScoreRequest(null, new EncodedImage(bytes), null, null, Duration.ofMinutes(1))).get(1, TimeUnit.MINUTES);
                assertEquals(v.decision().name(), r.getAs("decision"), name);
                assertEquals(v.signals(), scala.jdk.javaapi.CollectionConverters.asJava(r.<scala.collection.Map<String, Double>>getAs("signals")), name);
                assertEquals((long) bytes.length, (long) r.<Long>getAs("size"));
                assertTrue(((String) r.getAs("sha256")).matches("[0-9a-f]{64}") && ((String) r.getAs("pdq")).matches("[0-9a-f]{64}"), name);
                assertFalse(((String) r.getAs("policy_version")).isEmpty());
                assertTrue(r.isNullAt(r.fieldIndex("error")), name + ": " + r);
            }
        }

        // the executor's audit log: one record per image, verifying with its public key
        ScanWorker.closeAll(); // closing signs the last checkpoint
        Path executorLog;
        try (Stream<Path> dirs = Files.list(audit)) {
            List<Path> all2 = dirs.toList();
            assertEquals(1, all2.size(), "local mode: one executor, one log: " + all2);
            executorLog = all2.get(0);
        }
        AuditVerifier.Result verified = AuditVerifier.verify(executorLog, AuditKeys.readPublic(executorLog.resolve(AuditKeys.PUBLIC_FILE)));
        assertTrue(verified.ok(), verified.problem());
        assertEquals(names.size() + 1, verified.records());
    }
}
