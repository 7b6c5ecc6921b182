package dev.vigil.models.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.models.ImportException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads TensorFlow.js models from the two packagings Vigil's default packages use:
 * <ul>
 *   <li>plain: a {@code model.json} whose {@code weightsManifest} paths name binary shard
 *       files beside it (@vladmandic/human);</li>
 *   <li>nsfwjs's browserified bundles: {@code model.min.js} is a one-module browserify
 *       bundle whose module sets {@code module.exports} to the model JSON as a JavaScript
 *       object literal, and each {@code group1-shardKofN.min.js} sets it to a base64 string
 *       of that shard's bytes; the UMD wrapper names the global it would set
 *       ({@code model}, {@code group1_shardKofN}). See {@code models/NSFWJS-PACKAGING.md}.</li>
 * </ul>
 * Nothing is evaluated: the literal is parsed by {@link JsLiteralReader}, and a bundle of any
 * other shape is refused. Stateless and thread-safe.
 */
public final class TfjsModelReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHARD_FILE = Pattern.compile("(group\\d+-shard(\\d+)of(\\d+))\\.min\\.js");
    /** The browserify prelude ends in {1:[function(require,module,exports){module.exports=... */
    private static final Pattern MODULE_START = Pattern.compile("\\{1:\\[function\\((\\w+),(\\w+),(\\w+)\\)\\{(\\w+)\\.exports=");
    private static final String MODULE_END = "},{}]},{},[1])(1)});";

    private TfjsModelReader() {
    }

    /** Reads {@code model.json} and the binary shards its manifest names, from the same folder. */
    public static TfjsModel readPlain(String name, Path modelJson) {
        JsonNode json;
        try {
            json = JSON.readTree(modelJson.toFile());
        } catch (IOException e) {
            throw new ImportException(name, modelJson + ": not readable as JSON (" + e.getMessage() + ")", e);
        }
        List<WeightSpec> specs = new ArrayList<>();
        List<String> paths = manifest(name, json, specs);
        List<byte[]> shards = new ArrayList<>();
        for (String path : paths) {
            Path shard = modelJson.resolveSibling(path);
            if (!Files.isRegularFile(shard)) {
                throw new ImportException(name, shard + ": shard file missing (weightsManifest lists " + paths.size() + " shards: " + paths + ")");
            }
            shards.add(readBytes(name, shard));
        }
        return new TfjsModel(name, json, decode(name, specs, paths, shards));
    }

    /** Reads an nsfwjs model folder: {@code model.min.js} and its {@code group1-shard*.min.js}. */
    public static TfjsModel readNsfwjsBundle(String name, Path dir) {
        Path modelFile = dir.resolve("model.min.js");
        if (!Files.isRegularFile(modelFile)) {
            throw new ImportException(name, modelFile + ": model bundle missing");
        }
        JsonNode json = bundleExport(name, modelFile, "model");
        if (!json.isObject()) {
            throw new ImportException(name, modelFile + ": exports a " + json.getNodeType() + " (expected: the model JSON object)");
        }
        List<WeightSpec> specs = new ArrayList<>();
        List<String> paths = manifest(name, json, specs);
        checkShardFiles(name, dir, paths);
        List<byte[]> shards = new ArrayList<>();
        for (String path : paths) {
            Path shard = dir.resolve(path + ".min.js");
            JsonNode data = bundleExport(name, shard, path.replace('-', '_'));
            if (!data.isTextual()) {
                throw new ImportException(name, shard + ": exports a " + data.getNodeType() + " (expected: a base64 string)");
            }
            try {
                shards.add(Base64.getDecoder().decode(data.asText()));
            } catch (IllegalArgumentException e) {
                throw new ImportException(name, shard + ": exported string is not valid base64 (" + e.getMessage() + ")", e);
            }
        }
        return new TfjsModel(name, json, decode(name, specs, paths, shards));
    }

    /** Parses the literal a one-module browserify bundle exports, checking the global it names. */
    static JsonNode bundleExport(String name, Path file, String expectedGlobal) {
        String text = new String(readBytes(name, file), StandardCharsets.UTF_8);
        if (!Pattern.compile("\\)\\." + Pattern.quote(expectedGlobal) + "=\\w+\\(\\)\\}").matcher(text).find()) {
            throw new ImportException(name, file + ": UMD wrapper does not export the global '" + expectedGlobal
                    + "' (expected: a browserify bundle made for that file name)");
        }
        Matcher m = MODULE_START.matcher(text);
        if (!m.find() || !m.group(2).equals(m.group(4))) {
            throw new ImportException(name, file + ": no browserify module 1 assigning module.exports (expected: {1:[function(r,m,e){m.exports=...)");
        }
        JsLiteralReader reader = new JsLiteralReader(text, m.end());
        JsonNode value;
        try {
            value = reader.readValue();
        } catch (IllegalArgumentException e) {
            throw new ImportException(name, file + ": exported value is not a plain literal: " + e.getMessage(), e);
        }
        String rest = text.substring(reader.position()).strip();
        if (!rest.equals(MODULE_END)) {
            throw new ImportException(name, file + ": unexpected code after the exported literal at offset " + reader.position()
                    + ": '" + rest.substring(0, Math.min(rest.length(), 40)) + "' (expected: " + MODULE_END + ")");
        }
        return value;
    }

    private static void checkShardFiles(String name, Path dir, List<String> paths) {
        TreeSet<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).forEach(f -> {
                Matcher m = SHARD_FILE.matcher(f);
                if (m.matches()) {
                    found.add(m.group(1));
                }
            });
        } catch (IOException e) {
            throw new ImportException(name, dir + ": cannot list shard files (" + e.getMessage() + ")", e);
        }
        if (!found.equals(new TreeSet<>(paths))) {
            throw new ImportException(name, dir + ": shard files " + found + " (expected: the " + paths.size()
                    + " shards weightsManifest lists, " + paths + ")");
        }
        for (String path : paths) {
            Matcher m = SHARD_FILE.matcher(path + ".min.js");
            if (m.matches() && Integer.parseInt(m.group(3)) != paths.size()) {
                throw new ImportException(name, path + ": shard count " + m.group(3) + " in its name (expected: " + paths.size()
                        + ", the number of paths in weightsManifest)");
            }
        }
    }

    /** Collects the weight specs and shard paths of every manifest group, in order. */
    private static List<String> manifest(String name, JsonNode json, List<WeightSpec> specs) {
        JsonNode groups = json.get("weightsManifest");
        if (groups == null || !groups.isArray() || groups.isEmpty()) {
            throw new ImportException(name, "model JSON: field weightsManifest missing or empty (expected: an array of weight groups)");
        }
        List<String> paths = new ArrayList<>();
        for (JsonNode group : groups) {
            JsonNode p = group.get("paths");
            JsonNode w = group.get("weights");
            if (p == null || !p.isArray() || w == null || !w.isArray()) {
                throw new ImportException(name, "weightsManifest: group without paths[] and weights[]");
            }
            p.forEach(path -> paths.add(path.asText()));
            w.forEach(entry -> specs.add(WeightSpec.parse(name, entry)));
        }
        return paths;
    }

    private static Map<String, WeightTensor> decode(String name, List<WeightSpec> specs, List<String> paths, List<byte[]> shards) {
        int total = 0;
        for (byte[] shard : shards) {
            total = Math.addExact(total, shard.length);
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        shards.forEach(all::put);
        all.flip();
        try {
            return WeightDecoder.decode(name, specs, all);
        } catch (ImportException e) {
            throw new ImportException(name, "shards " + paths + ": " + e.getMessage().substring(name.length() + 2), e);
        }
    }

    private static byte[] readBytes(String name, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ImportException(name, file + ": not readable (" + e.getMessage() + ")", e);
        }
    }
}
