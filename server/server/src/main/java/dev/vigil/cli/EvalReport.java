package dev.vigil.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Decision;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.engine.policy.SignalSpec;
import dev.vigil.eval.Dataset;
import dev.vigil.eval.Evaluation;
import dev.vigil.eval.SignalTable;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The evaluation as one self-contained HTML page (no file or network beside it): the confusion
 * matrix, each signal's scores by expected label, ROC and precision-recall curves per signal
 * (the {@code block} set against the {@code allow} set), and thumbnails of the disagreements.
 * A thumbnail of an image the gate blocked is blurred before it is written (the sharp pixels
 * never enter the file) unless {@code --unblur}. The data travel as JSON in the page; its
 * script draws the charts.
 */
final class EvalReport {
    private static final int THUMB = 160;

    private EvalReport() {
    }

    static Path write(Path dir, Evaluation evaluation, Dataset dataset, Map<Path, SignalTable.Row> rows, PolicySet set, boolean unblur) throws IOException {
        Files.createDirectories(dir);
        ObjectNode data = evaluation.toJson();
        data.remove("errors");
        ObjectNode signals = data.putObject("signals");
        for (SignalSpec s : set.catalog().signals()) {
            ObjectNode byLabel = signals.putObject(s.name());
            for (Decision d : Decision.values()) {
                byLabel.putArray(d.name());
            }
            for (Dataset.Item item : dataset.items()) {
                Double v = rows.get(item.path()).signals().get(s.name());
                if (v != null) {
                    ((ArrayNode) byLabel.get(item.expected().name())).add(v);
                }
            }
        }
        ArrayNode disagreements = data.putArray("disagreements");
        for (Evaluation.Outcome o : evaluation.disagreements()) {
            ObjectNode d = disagreements.addObject();
            d.put("path", o.path().toString());
            d.put("expected", o.expected().name());
            d.put("decision", o.decision().name());
            d.put("rule", o.rule());
            d.put("reason", o.reason());
            boolean blur = o.decision() == Decision.BLOCK && !unblur;
            d.put("blurred", blur);
            String thumb = thumbnail(o.path(), blur);
            if (thumb != null) {
                d.put("thumbnail", thumb);
            }
        }
        String template;
        try (InputStream in = EvalReport.class.getResourceAsStream("eval-report.html")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // JSON inside a script element: "</" must not close it
        String json = CliSupport.JSON.writeValueAsString(data).replace("</", "<\\/");
        Path index = dir.resolve("index.html");
        Files.writeString(index, template.replace("/*DATA*/null", json), StandardCharsets.UTF_8);
        return index;
    }

    /** A small JPEG as a data URI, blurred when asked (down to 12 pixels wide and back up); null when the image cannot be read. */
    private static String thumbnail(Path file, boolean blur) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (img == null) {
            return null;
        }
        double scale = Math.min(1.0, (double) THUMB / Math.max(img.getWidth(), img.getHeight()));
        int w = Math.max(1, (int) Math.round(img.getWidth() * scale));
        int h = Math.max(1, (int) Math.round(img.getHeight() * scale));
        BufferedImage small = resize(img, w, h);
        if (blur) {
            small = resize(resize(small, Math.max(1, w / 14), Math.max(1, h / 14)), w, h);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(small, "jpg", out);
            return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException e) {
            return null;
        }
    }

    private static BufferedImage resize(BufferedImage src, int w, int h) {
        BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        return dst;
    }
}
