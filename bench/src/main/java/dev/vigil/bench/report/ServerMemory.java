package dev.vigil.bench.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resident memory of {@code ./vigil serve} with the five default models loaded and warmed,
 * measured on a server of its own: a child JVM started as the launcher starts serve (same
 * class path, no JVM options, the launcher's {@code MALLOC_MMAP_THRESHOLD_}), with policies
 * that load all five models ({@value #POLICIES}). Once it reports ready, every policy scores
 * the same photo a few times over HTTP, so each model has run real requests as well as its
 * warm-up; then {@code VmRSS} (resident now) and {@code VmHWM} (the most it was resident at
 * any moment, loading included) are read from {@code /proc/<pid>/status} and the server is
 * stopped.
 *
 * @param command           the child's command line, class path elided
 * @param policies          the policies scored, each {@code requestsPerPolicy} times
 * @param requestsPerPolicy requests sent per policy, all at once
 * @param readySeconds      from start to "ready" (loading and warming the five models)
 * @param residentMiB       VmRSS after the requests
 * @param peakMiB           VmHWM: the high-water mark of resident memory
 * @param environment       the memory-related environment the child ran with
 */
@JsonPropertyOrder({"command", "policies", "requests_per_policy", "ready_seconds", "resident_mib", "peak_mib", "environment"})
public record ServerMemory(
        @JsonProperty("command") String command,
        @JsonProperty("policies") List<String> policies,
        @JsonProperty("requests_per_policy") int requestsPerPolicy,
        @JsonProperty("ready_seconds") double readySeconds,
        @JsonProperty("resident_mib") double residentMiB,
        @JsonProperty("peak_mib") double peakMiB,
        @JsonProperty("environment") Map<String, String> environment) {

    /** Class-path resource: policies that between them need all five default models. */
    public static final String POLICIES = "dev/vigil/bench/five-models.yaml";
    static final List<String> POLICY_NAMES = List.of("strict", "fast", "accurate");
    static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    private static final Pattern HTTP_LINE = Pattern.compile("vigil: http on (http://[^/\\s]+/)");

    /** Starts the server, scores {@code image} with each policy, reads its memory and stops it. */
    public static ServerMemory measure(byte[] image, int requestsPerPolicy, PrintWriter err) throws IOException, InterruptedException {
        Path folder = Files.createTempDirectory("vigil-bench-memory");
        Path policies = folder.resolve("five-models.yaml");
        try (InputStream in = ServerMemory.class.getClassLoader().getResourceAsStream(POLICIES)) {
            if (in == null) {
                throw new IllegalStateException(POLICIES + ": not on the class path");
            }
            Files.copy(in, policies);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.VigilCommand", "serve",
                "--policies", policies.toString(), "--port", "0", "--http-port", "0"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // serve's launcher does not set it; only ./vigil bench does (see BareSession)
        builder.environment().remove("TF_OVERRIDE_GLOBAL_THREADPOOL");
        Map<String, String> environment = new TreeMap<>();
        builder.environment().forEach((k, v) -> {
            if (k.startsWith("MALLOC_") || k.startsWith("TF_") || k.equals("JAVA_TOOL_OPTIONS")) {
                environment.put(k, v);
            }
        });
        long started = System.nanoTime();
        Process process = builder.start();
        try {
            AtomicReference<String> httpUrl = new AtomicReference<>();
            CountDownLatch ready = new CountDownLatch(1);
            List<String> log = new ArrayList<>();
            Thread reader = new Thread(() -> readLog(process, httpUrl, ready, log), "vigil-bench-memory-log");
            reader.setDaemon(true);
            reader.start();
            if (!ready.await(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || httpUrl.get() == null) {
                throw new IllegalStateException("the server did not report ready within " + READY_TIMEOUT + "; its log: " + lastLines(log));
            }
            double readySeconds = (System.nanoTime() - started) / 1e9;
            err.printf(Locale.ROOT, "vigil bench: server with five models ready in %.1f s at %s; scoring with %s ...%n", readySeconds,
                    httpUrl.get(), POLICY_NAMES);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            for (String policy : POLICY_NAMES) {
                List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < requestsPerPolicy; i++) {
                    HttpRequest request = HttpRequest.newBuilder(URI.create(httpUrl.get() + "v1/score?policy=" + policy))
                            .header("Content-Type", "application/octet-stream").timeout(Duration.ofSeconds(60))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build();
                    answers.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
                }
                for (CompletableFuture<HttpResponse<String>> answer : answers) {
                    HttpResponse<String> response = answer.join();
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("policy " + policy + ": HTTP " + response.statusCode() + " " + response.body());
                    }
                }
            }
            Thread.sleep(2000); // let the last requests' buffers be freed before reading
            Map<String, Long> status = procStatus(process.pid());
            return new ServerMemory(String.join(" ", command).replace(System.getProperty("java.class.path"), "<class path>"), POLICY_NAMES,
                    requestsPerPolicy, readySeconds, status.getOrDefault("VmRSS", -1L) / 1024.0, status.getOrDefault("VmHWM", -1L) / 1024.0,
                    environment);
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(policies);
            Files.deleteIfExists(folder);
        }
    }

    private static void readLog(Process process, AtomicReference<String> httpUrl, CountDownLatch ready, List<String> log) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (log) {
                    log.add(line);
                }
                Matcher m = HTTP_LINE.matcher(line);
                if (m.find()) {
                    httpUrl.set(m.group(1));
                }
                if (line.startsWith("vigil: ready")) {
                    ready.countDown();
                }
            }
        } catch (IOException e) {
            // the process ended; the waiting side reports what the log holds
        } finally {
            ready.countDown();
        }
    }

    private static String lastLines(List<String> log) {
        synchronized (log) {
            return String.join("\n", log.subList(Math.max(0, log.size() - 20), log.size()));
        }
    }

    /** The kB fields of {@code /proc/<pid>/status}, e.g. VmRSS and VmHWM. */
    static Map<String, Long> procStatus(long pid) {
        Map<String, Long> values = new TreeMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.endsWith(" kB")) {
                    values.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1, line.length() - 3).trim()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("/proc/" + pid + "/status: " + e.getMessage(), e);
        }
        return values;
    }
}
