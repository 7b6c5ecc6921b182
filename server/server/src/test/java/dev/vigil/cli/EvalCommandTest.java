package dev.vigil.cli;

import static dev.vigil.cli.CliToolsTest.JSON;
import static dev.vigil.cli.CliToolsTest.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.cli.CliToolsTest.Run;
import dev.vigil.engine.TestModels;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil eval} on a dataset the project can ship: the committed benign photos as
 * {@code allow}, photos put on a hash list (and mirrored copies of them) as {@code block},
 * synthetic flat-colour drawings as {@code review} under a policy that reviews drawings, and a
 * truncated file that cannot be scored. Every number eval reports is checked against the
 * decisions {@code vigil score --json} gives the same images one by one; the re-run comes from
 * the signal cache; the sweep, the calibrated policy, the comparison (with past traffic from
 * the audit log) and the HTML report (in headless Chromium) are checked the same way.
 */
class EvalCommandTest {
    private static final String POLICIES = """
            version: "eval-test.1"
            default_policy: gate
            policies:
              gate:
                rules:
                  - { name: hash-list, when: { hash_match: { at_least: 0.5 } }, decision: BLOCK }
                  - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
                  - { name: drawing, when: { drawing: { at_least: 0.5 } }, decision: REVIEW }
              lenient:
                rules:
                  - { name: hash-list, when: { hash_match: { at_least: 0.5 } }, decision: BLOCK }
                  - { name: sexual, when: { sexual: { at_least: 0.9 } }, decision: BLOCK }
            """;

    @TempDir
    Path tmp;

    @BeforeAll
    static void models() {
        TestModels.repository();
    }

    /** allow/ (the committed photos), block/ (photos on the list and their mirror images), review/ (drawings), and a broken file under allow/. */
    private Path dataset(Path lists) throws Exception {
        Path root = tmp.resolve("dataset");
        Path allow = Files.createDirectories(root.resolve("allow"));
        Path block = Files.createDirectories(root.resolve("block"));
        Path review = Files.createDirectories(root.resolve("review/drawings"));
        List<String> benign = List.of("q0003.jpg", "q0004.jpg", "q0122.jpg", "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg", "wee.jpg");
        for (String name : benign) {
            Files.copy(TestModels.referencePhotos().resolve(name), allow.resolve(name));
        }
        Files.write(allow.resolve("truncated.png"), java.util.Arrays.copyOf(Files.readAllBytes(TestModels.photo("astronaut.png")), 3000));
        for (String name : List.of("astronaut.png", "c.png")) {
            BufferedImage img = ImageIO.read(TestModels.photo(name).toFile());
            ImageIO.write(img, "png", block.resolve(name).toFile());
            AffineTransform mirror = AffineTransform.getScaleInstance(-1, 1);
            mirror.translate(-img.getWidth(), 0);
            ImageIO.write(new AffineTransformOp(mirror, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(img, null), "png",
                    block.resolve("mirrored-" + name).toFile());
            assertEquals(0, vigil("hashes", "--dir", lists.toString(), "add", "--list", "known", TestModels.photo(name).toString()).status());
        }
        // a benign photo someone put on the list: a false block, whose thumbnail must come out blurred
        assertEquals(0, vigil("hashes", "--dir", lists.toString(), "add", "--list", "mistaken", allow.resolve("q0746.jpg").toString()).status());
        Random random = new Random(7);
        for (int i = 0; i < 4; i++) {
            BufferedImage d = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = d.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 320, 240);
            for (int k = 0; k < 12; k++) {
                g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
                g.fillOval(random.nextInt(280), random.nextInt(200), 20 + random.nextInt(120), 20 + random.nextInt(90));
                g.setColor(Color.BLACK);
                g.drawLine(random.nextInt(320), random.nextInt(240), random.nextInt(320), random.nextInt(240));
            }
            g.dispose();
            ImageIO.write(d, "png", review.resolve("drawing-" + i + ".png").toFile());
        }
        return root;
    }

    @Test
    void evalReportsWhatScoringDecidesAndRerunsFromTheCache() throws Exception {
        Path lists = tmp.resolve("lists");
        Path data = dataset(lists);
        Path policies = Files.writeString(tmp.resolve("policies.yaml"), POLICIES);
        String cache = tmp.resolve("signals").toString();
        String audit = tmp.resolve("audit").toString();

        // what the gate decides for each image, one verdict each
        List<Path> images = new ArrayList<>();
        try (var files = Files.walk(data)) {
            files.filter(Files::isRegularFile).sorted().forEach(images::add);
        }
        List<String> args = new ArrayList<>(List.of("score", "--json", "--policies", policies.toString(), "--hash-lists", lists.toString(), "--audit-dir", audit));
        images.forEach(p -> args.add(p.toString()));
        Run scored = vigil(args.toArray(String[]::new));
        Map<String, String> decided = new HashMap<>();
        for (JsonNode v : scored.json()) {
            decided.put(v.get("request_id").asText(), v.has("decision") ? v.get("decision").asText() : "ERROR");
        }
        assertEquals(images.size(), decided.size(), scored.out());

        Run first = vigil("eval", data.toString(), "--json", "--policies", policies.toString(), "--hash-lists", lists.toString(), "--signal-cache", cache);
        assertEquals(0, first.status(), first.err());
        JsonNode r = JSON.readTree(first.out());
        assertEquals(images.size(), r.get("total").asInt());
        assertEquals(images.size(), r.get("images_scored").asInt());
        // the confusion matrix is exactly the per-image decisions, by expected label (the folder)
        Map<String, Map<String, Integer>> expected = new HashMap<>();
        for (Path p : images) {
            String label = data.relativize(p).getName(0).toString().toUpperCase(java.util.Locale.ROOT);
            expected.computeIfAbsent(label, k -> new HashMap<>()).merge(decided.get(p.toString()), 1, Integer::sum);
        }
        for (String e : List.of("ALLOW", "REVIEW", "BLOCK")) {
            for (String d : List.of("ALLOW", "REVIEW", "BLOCK")) {
                assertEquals(expected.getOrDefault(e, Map.of()).getOrDefault(d, 0), r.at("/confusion/" + e + "/" + d).asInt(), e + " -> " + d + ": " + first.out());
            }
        }
        // the mirrored copies are blocked by the list made from the originals; the truncated file failed to score
        assertEquals(4, r.at("/confusion/BLOCK/BLOCK").asInt(), first.out());
        assertEquals(1, r.get("failed").size());
        assertTrue(r.get("failed").get(0).get("path").asText().endsWith("truncated.png"));
        long disagreements = images.stream().filter(p -> !decided.get(p.toString()).equals(data.relativize(p).getName(0).toString()
                .toUpperCase(java.util.Locale.ROOT))).count();
        assertEquals(disagreements, r.get("errors").size(), "every disagreement listed");
        for (JsonNode e : r.get("errors")) {
            assertEquals(decided.get(e.get("path").asText()), e.get("decision").asText());
            assertTrue(e.has("rule") && e.has("expected"), e.toString());
        }
        int allow = expected.get("ALLOW").values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(allow, r.at("/rates/false_block/of").asInt());
        assertEquals(expected.get("ALLOW").getOrDefault("BLOCK", 0), r.at("/rates/false_block/count").asInt());
        double rate = r.at("/rates/false_block/rate").asDouble();
        assertTrue(r.at("/rates/false_block/ci95_low").asDouble() <= rate && rate <= r.at("/rates/false_block/ci95_high").asDouble());
        assertEquals(5, r.at("/rules/hash-list").asInt(), r.get("rules").toString());
        assertEquals(2, r.at("/rates/false_block/count").asInt(), "the benign photo on the list, and the truncated file (fail-closed)");

        // again: every signal from the cache, the same answer, no image scored
        Run again = vigil("eval", data.toString(), "--json", "--policies", policies.toString(), "--hash-lists", lists.toString(), "--signal-cache", cache,
                "--sweep", "drawing", "--target-false-block", "0.2", "--write-policy", tmp.resolve("calibrated.yaml").toString(),
                "--compare", "gate", "lenient", "--audit-dir", audit, "--report", tmp.resolve("report").toString());
        assertEquals(0, again.status(), again.err());
        JsonNode a = JSON.readTree(again.out());
        assertEquals(0, a.get("images_scored").asInt());
        assertEquals(images.size(), a.get("images_from_cache").asInt());
        assertEquals(r.get("confusion"), a.get("confusion"));

        // the sweep: as the threshold rises, false blocks never grow and misses never shrink
        JsonNode sweep = a.get("sweep");
        assertEquals(101, sweep.size());
        for (int i = 1; i < sweep.size(); i++) {
            assertTrue(sweep.get(i).get("false_blocks").asInt() <= sweep.get(i - 1).get("false_blocks").asInt());
            assertTrue(sweep.get(i).get("misses").asInt() >= sweep.get(i - 1).get("misses").asInt());
        }
        JsonNode cal = a.get("calibrated");
        double threshold = cal.get("threshold").asDouble();
        for (JsonNode p : sweep) {
            if (p.get("threshold").asDouble() == threshold) {
                assertTrue(p.get("false_blocks").asDouble() / p.get("allow").asDouble() <= 0.2, p.toString());
            }
        }
        String written = Files.readString(tmp.resolve("calibrated.yaml"));
        assertTrue(written.startsWith("# Calibrated by vigil eval on "), written);
        assertTrue(written.contains("drawing: { at_least: " + java.math.BigDecimal.valueOf(threshold).stripTrailingZeros().toPlainString() + " }"), written);
        // the written file is a policy file serve takes, and eval on it gives what eval said of it
        Run onCalibrated = vigil("eval", data.toString(), "--json", "--policies", tmp.resolve("calibrated.yaml").toString(), "--hash-lists",
                lists.toString(), "--signal-cache", cache);
        assertEquals(cal.at("/evaluation/confusion"), JSON.readTree(onCalibrated.out()).get("confusion"));

        // the comparison: exactly the images the two policies decide differently when each scores them
        List<String> lenientArgs = new ArrayList<>(List.of("score", "--json", "--no-audit", "--policies", policies.toString(), "--policy", "lenient",
                "--hash-lists", lists.toString()));
        images.forEach(p -> lenientArgs.add(p.toString()));
        java.util.Set<String> differ = new java.util.TreeSet<>();
        for (JsonNode v : vigil(lenientArgs.toArray(String[]::new)).json()) {
            if (!v.get("decision").asText().equals(decided.get(v.get("request_id").asText()))) {
                differ.add(v.get("request_id").asText());
            }
        }
        java.util.Set<String> reported = new java.util.TreeSet<>();
        for (JsonNode c : a.at("/compare/changed")) {
            reported.add(c.get("path").asText());
            assertEquals(decided.get(c.get("path").asText()), c.get("a").asText());
        }
        assertEquals(differ, reported, a.get("compare").toString());
        // two models: the same policy over another classifier; the changes are what scoring with that classifier decides differently
        Path otherModel = Files.writeString(tmp.resolve("other-model.yaml"), POLICIES.replace("  gate:\n    rules:", "  gate:\n    classifier: nsfw-mobilenet-v2\n    rules:"));
        List<String> otherArgs = new ArrayList<>(List.of("score", "--json", "--no-audit", "--policies", otherModel.toString(), "--hash-lists", lists.toString()));
        images.forEach(p -> otherArgs.add(p.toString()));
        java.util.Set<String> modelDiffer = new java.util.TreeSet<>();
        for (JsonNode v : vigil(otherArgs.toArray(String[]::new)).json()) {
            if (!v.get("decision").asText().equals(decided.get(v.get("request_id").asText()))) {
                modelDiffer.add(v.get("request_id").asText());
            }
        }
        Run models = vigil("eval", data.toString(), "--json", "--policies", policies.toString(), "--hash-lists", lists.toString(), "--signal-cache", cache,
                "--compare", "gate", "gate@nsfw-mobilenet-v2");
        assertEquals(0, models.status(), models.err());
        JsonNode m = JSON.readTree(models.out());
        assertEquals(images.size(), m.get("images_scored").asInt(), "the other model's signals are computed once");
        java.util.Set<String> modelReported = new java.util.TreeSet<>();
        m.at("/compare/changed").forEach(c -> modelReported.add(c.get("path").asText()));
        assertEquals(modelDiffer, modelReported, m.get("compare").toString());

        // past traffic: the score run above wrote its records; each is re-decided from its signals
        assertEquals(images.size(), a.at("/compare/audit/records").asInt(), a.get("compare").toString());

        // the report, in a real browser
        Path report = tmp.resolve("report").resolve("index.html");
        assertTrue(Files.isRegularFile(report));
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "no /usr/bin/chromium (apt-get install -y chromium)");
        Process p = new ProcessBuilder("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", report.toUri().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(dom.contains("data-rendered=\"1\""), "the report's script ran to the end");
        Matcher cell = Pattern.compile("data-cell=\"BLOCK-BLOCK\">(\\d+)<").matcher(dom);
        assertTrue(cell.find() && cell.group(1).equals(r.at("/confusion/BLOCK/BLOCK").asText()), "the confusion matrix drawn");
        assertTrue(count(dom, "data-curve=\"roc\"") >= 3, "ROC curves drawn");
        assertTrue(count(dom, "data-curve=\"pr\"") >= 3, "precision-recall curves drawn");
        assertEquals(r.get("errors").size(), count(dom, "class=\"thumb\""), "a thumbnail per disagreement");
        assertTrue(dom.contains("alt=\"" + data.resolve("allow/q0746.jpg") + "\" data-blurred=\"true\""), "the blocked benign photo's thumbnail is blurred");
        for (JsonNode e : r.get("errors")) {
            if (!e.get("decision").asText().equals("BLOCK") && !e.get("path").asText().endsWith("truncated.png")) {
                assertTrue(dom.contains("alt=\"" + e.get("path").asText() + "\" data-blurred=\"false\""), "others are not: " + e.get("path"));
            }
        }
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** The same images named by a CSV manifest and a JSON-lines one, with labels a YAML file maps, give the folder's answer. */
    @Test
    void manifestsWithALabelMapGiveWhatTheFolderGives() throws Exception {
        Path lists = tmp.resolve("lists");
        Path data = dataset(lists);
        Path policies = Files.writeString(tmp.resolve("policies.yaml"), POLICIES);
        String cache = tmp.resolve("signals").toString();
        StringBuilder csv = new StringBuilder("path,label\n");
        StringBuilder jsonl = new StringBuilder();
        try (var files = Files.walk(data)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                String folder = data.relativize(p).getName(0).toString();
                String label = switch (folder) {
                    case "allow" -> "benign";
                    case "block" -> "known-abuse";
                    default -> "cartoon";
                };
                csv.append(data.relativize(p)).append(',').append(label).append('\n');
                jsonl.append(JSON.writeValueAsString(java.util.Map.of("path", data.relativize(p).toString(), "label", label))).append('\n');
            }
        }
        Path csvFile = Files.writeString(data.resolve("manifest.csv"), csv);
        Path jsonlFile = Files.writeString(data.resolve("manifest.jsonl"), jsonl);
        Path labels = Files.writeString(tmp.resolve("labels.yaml"), "benign: ALLOW\nknown-abuse: BLOCK\ncartoon: REVIEW\n");
        JsonNode folder = JSON.readTree(vigil("eval", data.toString(), "--json", "--policies", policies.toString(), "--hash-lists", lists.toString(),
                "--signal-cache", cache).out());
        for (Path manifest : List.of(csvFile, jsonlFile)) {
            Run r = vigil("eval", manifest.toString(), "--labels", labels.toString(), "--json", "--policies", policies.toString(), "--hash-lists",
                    lists.toString(), "--signal-cache", cache);
            assertEquals(0, r.status(), r.err());
            JsonNode m = JSON.readTree(r.out());
            assertEquals(folder.get("total"), m.get("total"));
            assertEquals(folder.get("confusion"), m.get("confusion"), manifest.toString());
            assertEquals(folder.get("total").asInt(), m.get("images_from_cache").asInt(), "the folder run's signals are reused: same content, same cache");
        }
        // a label the map does not know is refused with the file, the line and the labels it knows
        Files.writeString(csvFile, "path,label\nallow/wee.jpg,unknown-label\n");
        Run bad = vigil("eval", csvFile.toString(), "--labels", labels.toString(), "--json", "--signal-cache", cache);
        assertTrue(bad.status() != 0);
        assertTrue(bad.err().contains(csvFile + ":2: label unknown-label (expected: allow, review or block, or a label the --labels file maps: "), bad.err());
    }
}
