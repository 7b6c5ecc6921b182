package dev.vigil.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.engine.Decision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Labelled images to evaluate on: a folder whose subfolders name the expected decision
 * ({@code allow/}, {@code review/}, {@code block/}, any depth below them), or a manifest of
 * {@code path,label} lines (CSV) or {@code {"path","label"}} objects (JSON lines), paths relative
 * to the manifest, labels either decisions or mapped to decisions by a small YAML file
 * ({@code label: ALLOW}). Immutable.
 */
public record Dataset(List<Item> items) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> IMAGE_SUFFIXES = List.of(".png", ".jpg", ".jpeg", ".webp", ".bmp");

    /** One image and what it should get. */
    public record Item(Path path, Decision expected, String label) {
    }

    public Dataset {
        items = List.copyOf(items);
    }

    /** Every dataset given, in order. */
    public static Dataset load(List<Path> sources, Path labelMap) throws IOException {
        Map<String, Decision> labels = labelMap == null ? Map.of() : readLabels(labelMap);
        List<Item> items = new ArrayList<>();
        for (Path source : sources) {
            if (Files.isDirectory(source)) {
                items.addAll(folder(source));
            } else if (Files.isRegularFile(source)) {
                items.addAll(manifest(source, labels));
            } else {
                throw new IllegalArgumentException("DATASET: " + source + " does not exist (expected: a folder with allow/, review/, block/,"
                        + " or a .csv / .jsonl manifest)");
            }
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("DATASET: " + sources + " holds no images (expected: PNG, JPEG, WebP or BMP files under allow/,"
                    + " review/ or block/, or manifest lines)");
        }
        return new Dataset(items);
    }

    private static List<Item> folder(Path root) throws IOException {
        List<Item> out = new ArrayList<>();
        boolean any = false;
        for (Decision d : Decision.values()) {
            Path sub = root.resolve(d.name().toLowerCase(Locale.ROOT));
            if (!Files.isDirectory(sub)) {
                continue;
            }
            any = true;
            try (Stream<Path> files = Files.walk(sub)) {
                files.filter(Files::isRegularFile).filter(Dataset::isImage).sorted()
                        .forEach(f -> out.add(new Item(f, d, d.name().toLowerCase(Locale.ROOT))));
            }
        }
        if (!any) {
            throw new IllegalArgumentException("DATASET: " + root + " has none of allow/, review/, block/ (expected: subfolders naming the expected"
                    + " decision)");
        }
        return out;
    }

    private static boolean isImage(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return IMAGE_SUFFIXES.stream().anyMatch(n::endsWith);
    }

    private static List<Item> manifest(Path file, Map<String, Decision> labels) throws IOException {
        List<Item> out = new ArrayList<>();
        boolean jsonLines = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jsonl");
        Path base = file.toAbsolutePath().getParent();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String path;
            String label;
            if (jsonLines) {
                JsonNode o = JSON.readTree(text);
                path = o.path("path").asText(null);
                label = o.path("label").asText(null);
            } else {
                int comma = text.lastIndexOf(',');
                path = comma < 0 ? null : text.substring(0, comma).strip();
                label = comma < 0 ? null : text.substring(comma + 1).strip();
                if (lineNo == 1 && "path".equalsIgnoreCase(path) && "label".equalsIgnoreCase(label)) {
                    continue; // a header
                }
            }
            String where = file + ":" + lineNo;
            if (path == null || path.isEmpty() || label == null || label.isEmpty()) {
                throw new IllegalArgumentException(where + ": " + text + " (expected: " + (jsonLines ? "{\"path\": ..., \"label\": ...}" : "path,label") + ")");
            }
            Decision d = labels.get(label);
            if (d == null) {
                d = decision(label);
            }
            if (d == null) {
                throw new IllegalArgumentException(where + ": label " + label + " (expected: allow, review or block, or a label the --labels file maps"
                        + (labels.isEmpty() ? "" : ": " + String.join(", ", labels.keySet())) + ")");
            }
            Path p = base.resolve(path);
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(where + ": " + p + " does not exist");
            }
            out.add(new Item(p, d, label));
        }
        return out;
    }

    private static Decision decision(String label) {
        try {
            return Decision.valueOf(label.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Map<String, Decision> readLabels(Path file) throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("labels: " + file + " (expected: a YAML mapping of label: ALLOW | REVIEW | BLOCK)");
        }
        Map<String, Decision> out = new HashMap<>();
        for (var it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            Decision d = decision(e.getValue().asText(""));
            if (d == null) {
                throw new IllegalArgumentException("labels: " + file + ": " + e.getKey() + ": " + e.getValue() + " (expected: ALLOW, REVIEW or BLOCK)");
            }
            out.put(e.getKey(), d);
        }
        return out;
    }

    /** How many images expect each decision. */
    public Map<Decision, Integer> counts() {
        Map<Decision, Integer> out = new java.util.EnumMap<>(Decision.class);
        for (Item i : items) {
            out.merge(i.expected(), 1, Integer::sum);
        }
        return out;
    }
}
