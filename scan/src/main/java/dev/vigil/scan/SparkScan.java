package dev.vigil.scan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The retro-scan on Apache Spark: every image under the input paths (any Hadoop-compatible
 * path: local, HDFS, object storage; read with Spark's {@code binaryFile} source, recursively)
 * scored by the engine, loaded once per executor ({@link ScanWorker}), and written as one
 * Parquet row per image ({@link #SCHEMA}). A file that cannot be scored gets a row with its error
 * and the job goes on. Each executor writes the audit records of its verdicts to a log of its
 * own under {@code --audit-dir}.
 *
 * <pre>
 * spark-submit --class dev.vigil.scan.SparkScan --master local[*] vigil-scan.jar \
 *     --input s3a://bucket/generated/2026-12/ --output s3a://bucket/scans/2026-12.parquet --audit-dir /var/lib/vigil/audit
 * </pre>
 */
public final class SparkScan {
    /** One row per image. */
    public static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("size", DataTypes.LongType, false)
            .add("sha256", DataTypes.StringType, true)
            .add("pdq", DataTypes.StringType, true)
            .add("decision", DataTypes.StringType, true)
            .add("failed_closed", DataTypes.BooleanType, true)
            .add("rule", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, true)
            .add("signals", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), false)
            .add("models", DataTypes.createArrayType(DataTypes.StringType), false)
            .add("policy", DataTypes.StringType, true)
            .add("policy_version", DataTypes.StringType, true)
            .add("error", DataTypes.StringType, true);

    /**
     * Spark counts each file as at least this many bytes when it packs files into partitions; its
     * default, 4 MiB, makes partitions of about 32 images, and the gate's batching drains at the
     * end of every partition. The job sets 256 KiB unless the submit sets it (measured in
     * scan/README.md: 48.6 against 62.4 images/s on 2400 photos).
     */
    static final String OPEN_COST = "spark.sql.files.openCostInBytes";

    /** The image files Spark reads: by extension, any case. */
    static final String GLOB = "*.{jpg,jpeg,png,webp,bmp,JPG,JPEG,PNG,WEBP,BMP}";

    private SparkScan() {
    }

    /** The scan as a Dataset (lazy: nothing runs until it is written or counted). */
    public static Dataset<Row> scan(SparkSession spark, List<String> inputs, ScanWorker.Settings settings) {
        Dataset<Row> files = spark.read().format("binaryFile")
                .option("recursiveFileLookup", "true")
                .option("pathGlobFilter", GLOB)
                .load(inputs.toArray(String[]::new))
                .select("path", "content");
        return files.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            Iterator<ScanWorker.Input> in = new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public ScanWorker.Input next() {
                    Row r = rows.next();
                    return new ScanWorker.Input(r.getString(0), r.isNullAt(1) ? null : (byte[]) r.get(1));
                }
            };
            Iterator<dev.vigil.cli.ScanRow> out = ScanWorker.get(settings).score(in);
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return out.hasNext();
                }

                @Override
                public Row next() {
                    dev.vigil.cli.ScanRow r = out.next();
                    return RowFactory.create(r.path(), r.size(), r.sha256(), r.pdq(), r.decision(), r.failedClosed(), r.rule(), r.reason(),
                            scala.jdk.javaapi.CollectionConverters.asScala(r.signals()), scala.jdk.javaapi.CollectionConverters.asScala(r.models()).toSeq(),
                            r.policy(), r.policyVersion(), r.error());
                }
            };
        }, Encoders.row(SCHEMA));
    }

    /** {@code --input PATH[,PATH...] --output PATH [--policy NAME] [--policies FILE] [--repository DIR] [--audit-dir DIR | --no-audit] [--timeout SECONDS]}. */
    public static void main(String[] args) throws Exception {
        List<String> inputs = new ArrayList<>();
        String output = null;
        String policy = null;
        String policies = null;
        String repository = null;
        String auditDir = null;
        boolean noAudit = false;
        long timeout = 60;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--input" -> inputs.addAll(List.of(value(args, ++i, a).split(",")));
                case "--output" -> output = value(args, ++i, a);
                case "--policy" -> policy = value(args, ++i, a);
                case "--policies" -> policies = value(args, ++i, a);
                case "--repository" -> repository = value(args, ++i, a);
                case "--audit-dir" -> auditDir = value(args, ++i, a);
                case "--no-audit" -> noAudit = true;
                case "--timeout" -> timeout = Long.parseLong(value(args, ++i, a));
                default -> throw new IllegalArgumentException("argument: " + a
                        + " (expected: --input, --output, --policy, --policies, --repository, --audit-dir, --no-audit, --timeout)");
            }
        }
        if (inputs.isEmpty() || output == null) {
            throw new IllegalArgumentException("--input and --output are required");
        }
        if (auditDir == null && !noAudit) {
            throw new IllegalArgumentException("--audit-dir: required (each executor writes its verdicts' records there), or --no-audit");
        }
        ScanWorker.Settings settings = new ScanWorker.Settings(repository, policies == null ? null : Files.readString(Path.of(policies)), policy,
                noAudit ? null : auditDir, Duration.ofSeconds(timeout));
        SparkSession spark = SparkSession.builder().appName("vigil-scan").getOrCreate();
        if (!spark.conf().contains(OPEN_COST)) {
            spark.conf().set(OPEN_COST, 256 * 1024L);
        }
        try {
            long t0 = System.nanoTime();
            // scored once, while writing; the counts are read back from what was written (recomputing the
            // Dataset would score, and audit, every image again)
            scan(spark, inputs, settings).write().mode(SaveMode.ErrorIfExists).parquet(output);
            Dataset<Row> written = spark.read().parquet(output);
            long count = written.count();
            long errors = written.filter("error is not null").count();
            System.err.printf(Locale.ROOT, "vigil scan: %d image(s) -> %s (%d with an error) in %.1f s%s%n", count, output, errors,
                    (System.nanoTime() - t0) / 1e9, noAudit ? "" : "; audit logs under " + auditDir + " (one per executor)");
            double rate = ScanWorker.localRate(count);
            if (!Double.isNaN(rate)) {
                // local mode: the driver's JVM is the executor
                System.err.printf(Locale.ROOT, "vigil scan: local mode: models ready %.1f s after the job started; %.1f images/s from then to the last row%n",
                        ScanWorker.secondsToReady(t0), rate);
            }
        } finally {
            spark.stop();
            ScanWorker.closeAll();
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + ": a value is required");
        }
        return args[i];
    }
}
