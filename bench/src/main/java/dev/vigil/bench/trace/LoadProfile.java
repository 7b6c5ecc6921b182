package dev.vigil.bench.trace;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Verdict;
import dev.vigil.gpu.GpuDevice;
import dev.vigil.gpu.GpuInventory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code vigil bench profile} saw under load, on one timeline, as a Chrome trace
 * (Perfetto and {@code chrome://tracing} open it):
 * <ul>
 *   <li>process 1, "requests": one complete event per request from submit to verdict, one row
 *       per concurrently open request, with its stages (decode, queue, inference, as the
 *       verdict's timings measured them, and policy+rest: the rest of its time, the policy,
 *       hash-list lookups and waits for a thread) as child events laid end to end from its
 *       start, in the order the gate runs them;</li>
 *   <li>process 2, "batches": one event per batch each model ran, on the row of the batching
 *       thread that ran it ({@code vigil-batch-MODEL/VERSION[-N]}): preprocessing into the batch tensor
 *       and TensorFlow's run, with its size and how long its oldest request waited;</li>
 *   <li>process 3, "gpu": NVML's samples as counters per device (utilisation, memory used,
 *       power), or one instant event saying why there are none.</li>
 * </ul>
 * Times are microseconds from the first request's submit. Pure functions of what was recorded.
 */
public final class LoadProfile {
    /** One request: when it was submitted ({@link System#nanoTime}) and its verdict's timings. */
    public record RequestSpan(long submitNanos, Verdict.Timings timings, String decision) {
    }

    /** One batch: the batching thread, when it finished ({@link System#nanoTime}), its size, its oldest request's wait, its processing. */
    public record BatchSpan(String thread, long endNanos, int size, long oldestQueuedNanos, long processingNanos, boolean failed) {
    }

    /** One NVML reading. */
    public record GpuSample(long nanos, GpuInventory inventory) {
    }

    /** The verdict's timings; its "policy" is the rest of the request's time (total less the others: the policy, hash lookups, waits for a thread). */
    private static final String[] STAGES = {"decode", "queue", "inference", "policy+rest"};

    private LoadProfile() {
    }

    /** The trace; {@code metadata} goes to {@code otherData}. */
    public static ObjectNode trace(List<RequestSpan> requests, List<BatchSpan> batches, List<GpuSample> samples, ObjectNode metadata) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode trace = f.objectNode();
        ArrayNode events = trace.putArray("traceEvents");
        long origin = requests.stream().mapToLong(RequestSpan::submitNanos).min().orElse(0);
        process(events, 1, "requests");
        process(events, 2, "batches");
        process(events, 3, "gpu");

        // requests: a row per concurrently open request (first free row)
        List<RequestSpan> sorted = new ArrayList<>(requests);
        sorted.sort(Comparator.comparingLong(RequestSpan::submitNanos));
        List<Long> rowFreeAt = new ArrayList<>();
        for (RequestSpan r : sorted) {
            long start = micros(r.submitNanos() - origin);
            long total = r.timings().totalMicros();
            int row = 0;
            while (row < rowFreeAt.size() && rowFreeAt.get(row) > start) {
                row++;
            }
            if (row == rowFreeAt.size()) {
                rowFreeAt.add(0L);
                thread(events, 1, row, "request slot " + row);
            }
            rowFreeAt.set(row, start + total);
            ObjectNode e = complete(events, "request " + r.decision(), "request", 1, row, start, total);
            e.putObject("args").put("decision", r.decision());
            long at = start;
            long[] stage = stageMicros(r.timings());
            for (int s = 0; s < STAGES.length; s++) {
                if (stage[s] > 0) {
                    complete(events, STAGES[s], "stage", 1, row, at, stage[s]);
                    at += stage[s];
                }
            }
        }

        // batches: a row per batching thread
        Map<String, Integer> rows = new TreeMap<>();
        batches.forEach(b -> rows.putIfAbsent(b.thread(), 0));
        int next = 0;
        for (Map.Entry<String, Integer> row : rows.entrySet()) {
            row.setValue(next);
            thread(events, 2, next++, row.getKey());
        }
        for (BatchSpan b : batches) {
            long end = micros(b.endNanos() - origin);
            long dur = micros(b.processingNanos());
            ObjectNode e = complete(events, model(b.thread()) + " batch of " + b.size() + (b.failed() ? " (failed)" : ""), "batch", 2,
                    rows.get(b.thread()), end - dur, dur);
            e.putObject("args").put("size", b.size()).put("oldest_queued_us", micros(b.oldestQueuedNanos())).put("failed", b.failed());
        }

        // gpu: counters, or why there are none
        String unavailable = null;
        for (GpuSample s : samples) {
            if (s.inventory().unavailable() != null) {
                unavailable = s.inventory().unavailable();
                continue;
            }
            long ts = micros(s.nanos() - origin);
            for (GpuDevice d : s.inventory().devices()) {
                ObjectNode c = events.addObject();
                c.put("name", "gpu" + d.index() + " " + d.name()).put("ph", "C").put("pid", 3).put("tid", 0).put("ts", ts);
                ObjectNode args = c.putObject("args");
                if (d.utilizationGpuPercent() != null) {
                    args.put("utilization_pct", d.utilizationGpuPercent());
                }
                if (d.memoryUsedBytes() != null) {
                    args.put("memory_used_mib", d.memoryUsedBytes() / (1024 * 1024));
                }
                if (d.powerWatts() != null) {
                    args.put("power_w", d.powerWatts());
                }
            }
        }
        if (unavailable != null || samples.isEmpty()) {
            ObjectNode i = events.addObject();
            i.put("name", "no GPU samples: " + (unavailable != null ? unavailable : "none taken")).put("ph", "i").put("s", "p")
                    .put("pid", 3).put("tid", 0).put("ts", 0);
        }
        trace.put("displayTimeUnit", "ms");
        if (metadata != null) {
            trace.set("otherData", metadata);
        }
        return trace;
    }

    /** Where the time went: per stage, the share of all requests' time, mean and percentiles; per batching thread, busy share and batch sizes. */
    public static List<String> summary(List<RequestSpan> requests, List<BatchSpan> batches, double wallSeconds) {
        List<String> lines = new ArrayList<>();
        int n = requests.size();
        lines.add(String.format(Locale.ROOT, "%d requests in %.1f s: %.1f per second", n, wallSeconds, n / wallSeconds));
        long allMicros = requests.stream().mapToLong(r -> r.timings().totalMicros()).sum();
        for (int s = 0; s < STAGES.length; s++) {
            long[] values = new long[n];
            for (int i = 0; i < n; i++) {
                values[i] = stageMicros(requests.get(i).timings())[s];
            }
            Arrays.sort(values);
            long sum = Arrays.stream(values).sum();
            lines.add(String.format(Locale.ROOT, "  %-11s %5.1f %% of request time; mean %7.2f ms, p50 %7.2f ms, p99 %7.2f ms", STAGES[s],
                    allMicros == 0 ? 0 : 100.0 * sum / allMicros, n == 0 ? 0 : sum / 1e3 / n, pct(values, 0.50) / 1e3, pct(values, 0.99) / 1e3));
        }
        long[] totals = requests.stream().mapToLong(r -> r.timings().totalMicros()).sorted().toArray();
        lines.add(String.format(Locale.ROOT, "  request     p50 %.2f ms, p99 %.2f ms, max %.2f ms", pct(totals, 0.5) / 1e3, pct(totals, 0.99) / 1e3,
                totals.length == 0 ? 0 : totals[totals.length - 1] / 1e3));
        Map<String, long[]> byThread = new TreeMap<>();
        for (BatchSpan b : batches) {
            long[] t = byThread.computeIfAbsent(b.thread(), k -> new long[3]);
            t[0]++;
            t[1] += b.size();
            t[2] += b.processingNanos();
        }
        for (Map.Entry<String, long[]> e : byThread.entrySet()) {
            long[] t = e.getValue();
            lines.add(String.format(Locale.ROOT, "  %-28s %5d batches, mean size %.1f, mean %.2f ms each, busy %.0f %% of the wall time",
                    e.getKey(), t[0], (double) t[1] / t[0], t[2] / 1e6 / t[0], 100.0 * t[2] / 1e9 / wallSeconds));
        }
        return lines;
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
    }

    private static long[] stageMicros(Verdict.Timings t) {
        return new long[] {t.decodeMicros(), t.queueMicros(), t.inferenceMicros(), t.policyMicros()};
    }

    /** {@code vigil-batch-nsfw-mobilenet-v2-mid/1-0} is nsfw-mobilenet-v2-mid/1's. */
    static String model(String thread) {
        String m = thread.startsWith("vigil-batch-") ? thread.substring("vigil-batch-".length()) : thread;
        return m.matches(".*-\\d+") ? m.substring(0, m.lastIndexOf('-')) : m;
    }

    private static long micros(long nanos) {
        return nanos / 1000;
    }

    private static void process(ArrayNode events, int pid, String name) {
        ObjectNode m = events.addObject();
        m.put("name", "process_name").put("ph", "M").put("pid", pid).put("tid", 0);
        m.putObject("args").put("name", name);
    }

    private static void thread(ArrayNode events, int pid, int tid, String name) {
        ObjectNode m = events.addObject();
        m.put("name", "thread_name").put("ph", "M").put("pid", pid).put("tid", tid);
        m.putObject("args").put("name", name);
    }

    private static ObjectNode complete(ArrayNode events, String name, String category, int pid, int tid, long ts, long dur) {
        ObjectNode e = events.addObject();
        e.put("name", name).put("cat", category).put("ph", "X").put("pid", pid).put("tid", tid).put("ts", ts).put("dur", Math.max(0, dur));
        return e;
    }
}
