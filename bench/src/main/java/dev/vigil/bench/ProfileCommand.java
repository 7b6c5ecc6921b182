package dev.vigil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.bench.trace.BatchTrace;
import dev.vigil.bench.trace.ChromeTrace;
import dev.vigil.bench.trace.LoadProfile;
import dev.vigil.engine.Gate;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.Verdict;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.gpu.GpuInventory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./vigil bench profile}: a closed-loop load through the in-process gate, written as one
 * Chrome trace ({@link LoadProfile}: each request's stages, each batch each model ran, NVML's
 * samples on the same timeline), followed on that timeline by one batch of the classifier run
 * with TensorFlow's FULL_TRACE (its ops per device and thread); and a summary of where the time
 * went.
 */
@Command(name = "profile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run a load through the in-process gate and write one Chrome trace (open in https://ui.perfetto.dev or chrome://tracing):",
            "each request's stages (decode, queue, inference, policy), each batch every model ran (preprocessing and TensorFlow's run),",
            "NVML samples per GPU on the same timeline (or why there are none), then one classifier batch traced op by op by TensorFlow.",
            "Prints where the time went."})
final class ProfileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--requests", paramLabel = "N", description = "Requests to time after a warm-up (default: ${DEFAULT-VALUE}).")
    int requests = 300;

    @Option(names = "--concurrency", paramLabel = "N", description = "Requests in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency = 8;

    @Option(names = "--model", paramLabel = "NAME", description = "The gate's classifier (default: ${DEFAULT-VALUE}).")
    String model = "nsfw-mobilenet-v2-mid";

    @Option(names = "--batch", paramLabel = "N", description = "The gate's maximum batch size (default: ${DEFAULT-VALUE}, the gate's default).")
    int maxBatch = BatchingConfig.DEFAULT_MAX_BATCH_SIZE;

    @Option(names = "--sample-ms", paramLabel = "MS", description = "NVML sampling interval (default: ${DEFAULT-VALUE}).")
    int sampleMillis = 100;

    @Option(names = "--out", paramLabel = "FILE", description = "Trace file to write (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("target", "bench-profile", "profile.json");

    @Mixin
    PhotosOption photos;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        if (requests < 1 || concurrency < 1 || maxBatch < 1 || sampleMillis < 1) {
            throw new IllegalArgumentException("--requests " + requests + ", --concurrency " + concurrency + ", --batch " + maxBatch
                    + ", --sample-ms " + sampleMillis + " (expected: each >= 1)");
        }
        List<Path> files = photos.files();
        List<byte[]> images = BenchPhotos.read(files);
        MachineFacts machine = MachineFacts.capture();
        List<LoadProfile.BatchSpan> batches = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean recording = new AtomicBoolean();
        try (Gate gate = BenchGates.build(model, maxBatch, (size, queued, processing, failed) -> {
            if (recording.get()) {
                batches.add(new LoadProfile.BatchSpan(Thread.currentThread().getName(), System.nanoTime(), size, queued, processing, failed));
            }
        })) {
            run(gate, images, Math.min(requests, 4 * concurrency), null); // warm-up: JIT, TensorFlow's kernels for these batch sizes
            List<LoadProfile.GpuSample> samples = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    GpuInventory inventory = GpuInventory.read();
                    samples.add(new LoadProfile.GpuSample(System.nanoTime(), inventory));
                    if (inventory.unavailable() != null) {
                        return; // no driver: it will not appear during the run
                    }
                    try {
                        Thread.sleep(sampleMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "vigil-profile-nvml");
            List<LoadProfile.RequestSpan> spans = Collections.synchronizedList(new ArrayList<>());
            recording.set(true);
            sampler.start();
            long t0 = System.nanoTime();
            run(gate, images, requests, spans);
            double wall = (System.nanoTime() - t0) / 1e9;
            recording.set(false);
            sampling.set(false);
            sampler.join(5000);

            ObjectNode meta = JsonNodeFactory.instance.objectNode();
            meta.put("command", "vigil bench profile");
            meta.put("model", model).put("max_batch", maxBatch).put("requests", requests).put("concurrency", concurrency);
            meta.put("photos", files.size());
            MachineFacts ended = machine.ended();
            meta.set("machine", BenchCommand.JSON.valueToTree(ended));
            List<LoadProfile.RequestSpan> requestSpans = List.copyOf(spans);
            List<LoadProfile.BatchSpan> batchSpans = List.copyOf(batches);
            ObjectNode trace = LoadProfile.trace(requestSpans, batchSpans, List.copyOf(samples), meta);
            long endMicros = (System.nanoTime() - t0) / 1000;
            int ops = appendTensorFlowStep(trace, endMicros, machine.cores());
            Path folder = out.toAbsolutePath().getParent();
            if (folder != null) {
                Files.createDirectories(folder);
            }
            BenchCommand.JSON.writeValue(out.toFile(), trace);
            stdout.printf("%s: %d requests, %d batches, %d GPU samples%s, %d TensorFlow op events (open in https://ui.perfetto.dev or chrome://tracing)%n",
                    out, requestSpans.size(), batchSpans.size(), samples.stream().filter(s -> s.inventory().unavailable() == null).count(),
                    samples.isEmpty() || samples.get(0).inventory().unavailable() == null ? "" : " (" + samples.get(0).inventory().unavailable() + ")",
                    ops);
            stdout.printf("machine: %s%n", ended.describe());
            LoadProfile.summary(requestSpans, batchSpans, wall).forEach(stdout::println);
            return requestSpans.size() == requests ? 0 : 1;
        }
    }

    /** Closed loop: {@code n} requests, {@code concurrency} in flight; each verdict's timings into {@code spans} (null: not kept). */
    private void run(Gate gate, List<byte[]> images, int n, List<LoadProfile.RequestSpan> spans) throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        List<CompletableFuture<Verdict>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            slots.acquire();
            long submit = System.nanoTime();
            CompletableFuture<Verdict> f = gate.score(new ScoreRequest(null, new EncodedImage(images.get(i % images.size())), null, null,
                    Duration.ofMinutes(1)));
            f.whenComplete((v, e) -> {
                if (v != null && spans != null) {
                    spans.add(new LoadProfile.RequestSpan(submit, v.timings(), v.decision().name()));
                }
                slots.release();
            });
            all.add(f);
        }
        for (CompletableFuture<Verdict> f : all) {
            try {
                f.get(2, TimeUnit.MINUTES);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("profile: a request failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * One batch of the classifier traced op by op (TensorFlow's FULL_TRACE, as {@code bench trace}),
     * appended after the load: processes from 10 on, times shifted to start at {@code atMicros}.
     */
    private int appendTensorFlowStep(ObjectNode trace, long atMicros, int cores) {
        BatchTrace.Traced traced = BatchTrace.run(model, Math.min(maxBatch, 8), cores);
        ObjectNode step = ChromeTrace.of(traced.stats(), null);
        ArrayNode events = (ArrayNode) trace.get("traceEvents");
        int ops = 0;
        for (JsonNode e : step.get("traceEvents")) {
            ObjectNode copy = ((ObjectNode) e).deepCopy();
            copy.put("pid", 10 + e.get("pid").asInt());
            if (copy.has("ts")) {
                copy.put("ts", atMicros + e.get("ts").asLong());
            }
            if ("process_name".equals(copy.path("name").asText())) {
                ((ObjectNode) copy.get("args")).put("name", "TensorFlow step, one traced batch of " + traced.batch() + ": "
                        + e.get("args").get("name").asText());
            } else {
                ops++;
            }
            events.add(copy);
        }
        return ops;
    }
}
