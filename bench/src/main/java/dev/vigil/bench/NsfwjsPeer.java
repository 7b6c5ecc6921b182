package dev.vigil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The nsfwjs peer: {@code bench/peers/nsfwjs/nsfwjs-throughput.mjs} run by Node, its
 * dependencies installed by {@code npm ci} from the pinned package-lock.json into that
 * folder's (ignored) node_modules the first time. Its stdout is the JSON document the script
 * describes; its stderr (progress) passes through to ours.
 */
final class NsfwjsPeer {
    static final String SCRIPT = "nsfwjs-throughput.mjs";

    private NsfwjsPeer() {
    }

    /** The peer's folder in this checkout: {@code $VIGIL_HOME/bench/peers/nsfwjs} (the launcher sets it), else under the working directory. */
    static Path folder() {
        String home = System.getenv().getOrDefault("VIGIL_HOME", ".");
        return Path.of(home).resolve("bench/peers/nsfwjs").toAbsolutePath().normalize();
    }

    /**
     * Runs the script; returns its document, or {@code {"error": "..."}} when Node, npm or the
     * script fails, so the other peers still report.
     */
    static JsonNode run(String node, List<Integer> batches, double seconds, double warmupSeconds, List<Path> photos) {
        Path dir = folder();
        try {
            if (!Files.isRegularFile(dir.resolve(SCRIPT))) {
                return error(dir.resolve(SCRIPT) + ": missing (run from a Vigil checkout, or set VIGIL_HOME)");
            }
            if (!Files.isDirectory(dir.resolve("node_modules"))) {
                System.err.println("vigil bench: installing the nsfwjs peer (npm ci in " + dir + ") ...");
                int npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile())
                        .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start().waitFor();
                if (npm != 0) {
                    return error("npm ci in " + dir + " exited with status " + npm);
                }
            }
            List<String> command = new ArrayList<>(List.of(node, SCRIPT,
                    "--batches", batches.stream().map(String::valueOf).collect(Collectors.joining(",")),
                    "--seconds", String.valueOf(seconds), "--warmup-seconds", String.valueOf(warmupSeconds),
                    "--photos", photos.stream().map(p -> p.toAbsolutePath().toString()).collect(Collectors.joining(","))));
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("VIGIL_BENCH_CORES", String.valueOf(Runtime.getRuntime().availableProcessors()));
            Process process = pb.start();
            process.getOutputStream().close();
            String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = process.waitFor();
            if (status != 0) {
                return error(node + " " + SCRIPT + " exited with status " + status);
            }
            return BenchCommand.JSON.readTree(stdout);
        } catch (IOException e) {
            return error("cannot run " + node + " or npm: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error("interrupted");
        }
    }

    private static ObjectNode error(String message) {
        return JsonNodeFactory.instance.objectNode().put("error", message);
    }
}
