package dev.vigil.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.audit.AuditLog;
import dev.vigil.audit.Receipt;
import dev.vigil.engine.Evidence;
import dev.vigil.engine.OverloadedException;
import dev.vigil.engine.Verdict;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Puts every verdict on the audit log before it is answered, for every transport alike: the
 * verdict's future completes only once its record is written, and when the log cannot write,
 * the request fails with a retryable OVERLOADED instead of being answered without its record.
 * With no log ({@code --no-audit}) verdicts pass straight through. Thread-safe.
 */
public final class Auditor {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** No audit log: verdicts are answered as they come. */
    public static final Auditor NONE = new Auditor(null, Map.of());

    private final AuditLog log;
    private final Map<String, String> modelDigests;
    private final dev.vigil.audit.RetentionStore retained;
    private final java.util.concurrent.ExecutorService retainer;

    /**
     * @param log          the log, or null for none
     * @param modelDigests each model's {@code name/version} (as verdicts name it) to the SHA-256
     *                     of its manifest, which lists the SHA-256 of every file of the model
     */
    public Auditor(AuditLog log, Map<String, String> modelDigests) {
        this(log, modelDigests, null);
    }

    /**
     * ... and the bytes of every blocked image kept, encrypted, in {@code retained} (null: none),
     * before its record is written; what is older than the retention period is purged hourly.
     */
    public Auditor(AuditLog log, Map<String, String> modelDigests, dev.vigil.audit.RetentionStore retained) {
        this.log = log;
        this.modelDigests = Map.copyOf(modelDigests);
        this.retained = retained;
        if (retained != null) {
            java.util.concurrent.ScheduledExecutorService pool = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "vigil-audit-retention");
                t.setDaemon(true);
                return t;
            });
            pool.scheduleWithFixedDelay(() -> {
                try {
                    int n = retained.purge();
                    if (n > 0) {
                        System.getLogger(Auditor.class.getName()).log(System.Logger.Level.INFO,
                                "retained images: " + n + " purged after the retention period of " + retained.retention());
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    System.getLogger(Auditor.class.getName()).log(System.Logger.Level.WARNING, "retained images: purge failed: " + e);
                }
            }, 0, 1, java.util.concurrent.TimeUnit.HOURS);
            this.retainer = pool;
        } else {
            this.retainer = null;
        }
    }

    /** Who asked, as the record names them. */
    public record Client(String transport, String auth, String subject, String name, String peer) {
    }

    /** A verdict with its record written, and its receipt when one was asked for. */
    public record Recorded(Verdict verdict, Receipt receipt) {
    }

    public boolean enabled() {
        return log != null;
    }

    public AuditLog log() {
        return log;
    }

    /** Non-null while the log cannot take records: the retryable refusal for new requests. */
    public OverloadedException refusal() {
        return log == null ? null : log.refusal();
    }

    /**
     * Before any work for a request, on every transport: throws the retryable refusal while the
     * log cannot write, and refuses a receipt asked of a server without a log (a bad request).
     */
    public void admit(boolean wantReceipt) {
        OverloadedException refused = refusal();
        if (refused != null) {
            throw refused;
        }
        if (wantReceipt && log == null) {
            throw new IllegalArgumentException("receipt: asked for (expected: a server with its audit log on; this one runs with --no-audit)");
        }
    }

    /**
     * The verdict, once its record is written. Cancelling the result cancels {@code verdict}
     * (the gate drops what is left of the work); a record already on its way is still written.
     */
    public CompletableFuture<Recorded> record(CompletableFuture<Verdict> verdict, Client client, boolean wantReceipt) {
        return record(verdict, client, wantReceipt, null);
    }

    /**
     * ... keeping {@code image}'s bytes (the request's image as received) when the verdict is a
     * BLOCK and blocked images are retained.
     */
    public CompletableFuture<Recorded> record(CompletableFuture<Verdict> verdict, Client client, boolean wantReceipt, dev.vigil.engine.image.ImageInput image) {
        CompletableFuture<Recorded> out = new CompletableFuture<>();
        // the bytes are held until the verdict only when they may have to be kept
        dev.vigil.engine.image.ImageInput keep = retained != null ? image : null;
        verdict.whenComplete((v, failure) -> {
            if (failure != null) {
                out.completeExceptionally(failure);
            } else if (log == null) {
                out.complete(new Recorded(v, null));
            } else {
                boolean retain = keep != null && v.decision() == dev.vigil.engine.Decision.BLOCK && v.evidence().image() != null;
                ObjectNode body;
                try {
                    body = body(v, client);
                    if (retained != null) {
                        body.put("retained", retain);
                    }
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                    return;
                }
                CompletableFuture<Void> kept = !retain ? CompletableFuture.completedFuture(null) : CompletableFuture.runAsync(() -> {
                    try {
                        retained.keep(bytes(keep), v.evidence().image().sha256());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, retainer);
                kept.thenCompose(nothing -> log.append(Instant.now(), body, wantReceipt)).whenComplete((appended, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
                        out.completeExceptionally(cause instanceof OverloadedException ? cause
                                : new OverloadedException("audit: the blocked image could not be retained (" + cause.getMessage() + "); retry later or elsewhere",
                                        java.time.Duration.ofSeconds(1)));
                    } else {
                        out.complete(new Recorded(v, appended.receipt()));
                    }
                });
            }
        });
        out.whenComplete((r, e) -> {
            if (out.isCancelled()) {
                verdict.cancel(false);
            }
        });
        return out;
    }

    /** The bytes the image's SHA-256 covers: as received, or the raw pixel buffer. */
    private static byte[] bytes(dev.vigil.engine.image.ImageInput image) {
        if (image instanceof dev.vigil.engine.image.EncodedImage e) {
            return e.bytes();
        }
        java.nio.ByteBuffer raw = ((dev.vigil.engine.image.RawImage) image).pixels().duplicate();
        byte[] b = new byte[raw.remaining()];
        raw.get(b);
        return b;
    }

    /** The record's fields after {@code seq, prev, time}, in the order docs/AUDIT.md gives. */
    ObjectNode body(Verdict v, Client client) {
        ObjectNode o = JSON.createObjectNode();
        o.put("request_id", v.requestId());
        ObjectNode c = o.putObject("client");
        c.put("auth", client.auth());
        c.put("subject", client.subject());
        c.put("name", client.name());
        c.put("peer", client.peer());
        o.put("transport", client.transport());
        ObjectNode p = o.putObject("policy");
        p.put("name", v.policy());
        p.put("version", v.policyVersion());
        ArrayNode models = o.putArray("models");
        for (String id : v.models()) {
            ObjectNode m = models.addObject();
            int slash = id.lastIndexOf('/');
            m.put("name", slash < 0 ? id : id.substring(0, slash));
            m.put("version", slash < 0 ? "" : id.substring(slash + 1));
            m.put("sha256", modelDigests.get(id));
        }
        o.put("decision", v.decision().name());
        o.put("failed_closed", v.failedClosed());
        o.put("rule", v.rule());
        o.put("reason", v.reason());
        ObjectNode signals = o.putObject("signals");
        v.signals().forEach(signals::put);
        ObjectNode failures = o.putObject("failures");
        v.failures().forEach(failures::put);
        ArrayNode findings = o.putArray("findings");
        v.findings().forEach(findings::add);
        Verdict.Timings t = v.timings();
        ObjectNode timings = o.putObject("timings_us");
        timings.put("decode", t.decodeMicros());
        timings.put("queue", t.queueMicros());
        timings.put("inference", t.inferenceMicros());
        timings.put("policy", t.policyMicros());
        timings.put("total", t.totalMicros());
        if (v.decision() != dev.vigil.engine.Decision.ALLOW) {
            try {
                // the same statement the verdict's JSON carries, from the one writer
                com.fasterxml.jackson.databind.util.TokenBuffer buffer = new com.fasterxml.jackson.databind.util.TokenBuffer(JSON, false);
                buffer.writeStartObject();
                VerdictJson.writeStatement(buffer, v);
                buffer.writeEndObject();
                o.setAll((ObjectNode) JSON.readTree(buffer.asParser()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        digest(o, "image", v.evidence().image());
        digest(o, "source", v.evidence().source());
        return o;
    }

    private static void digest(ObjectNode o, String field, Evidence.Digest d) {
        if (d == null) {
            o.putNull(field);
            return;
        }
        ObjectNode n = o.putObject(field);
        n.put("sha256", d.sha256());
        n.put("bytes", d.bytes());
        n.put("pdq", d.pdq());
        n.put("pdq_quality", d.pdqQuality());
        ArrayNode dihedral = n.putArray("pdq_dihedral");
        d.pdqDihedral().forEach(dihedral::add);
    }
}
