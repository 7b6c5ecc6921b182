package dev.vigil.bench;

import dev.vigil.cli.VigilCommand;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil bench dataset}: a labelled dataset for {@code vigil eval} made only from what the
 * project may ship (the reference photos, freely licensed), with no explicit content: benign
 * photos and variants of them (crops, scales, turns, brightness, JPEG quality) as
 * {@code allow}; variants of two photos put on a hash list as {@code block}; synthetic
 * flat-colour drawings as {@code review} (for a policy that reviews drawings).
 */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Make a labelled dataset for vigil eval from the reference photos: allow/ (variants of benign photos), block/ (variants of photos"
                + " on a hash list it writes), review/ (synthetic drawings).")
final class DatasetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PhotosOption photos;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Where the dataset goes (allow/, review/, block/, and hash-lists/).")
    Path out;

    @Option(names = "--allow", defaultValue = "150", description = "Benign images (default: ${DEFAULT-VALUE}).")
    int allow;

    @Option(names = "--block", defaultValue = "40", description = "Images of listed photos (default: ${DEFAULT-VALUE}).")
    int block;

    @Option(names = "--review", defaultValue = "20", description = "Synthetic drawings (default: ${DEFAULT-VALUE}).")
    int review;

    @Option(names = "--seed", defaultValue = "11", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        List<Path> sources = new ArrayList<>();
        for (Path p : photos.files()) {
            BufferedImage img = ImageIO.read(p.toFile());
            if (img != null && img.getWidth() >= 64 && img.getHeight() >= 64) {
                sources.add(p);
            }
        }
        if (sources.size() < 4) {
            throw new IllegalArgumentException("photos: " + sources.size() + " usable (expected: at least 4 of 64x64 or more)");
        }
        Random random = new Random(seed);
        // two photos go on the list and make the block set; the rest make the allow set
        List<Path> listed = sources.subList(0, 2);
        List<Path> benign = sources.subList(2, sources.size());
        Path lists = Files.createDirectories(out.resolve("hash-lists"));
        for (Path p : listed) {
            int status = VigilCommand.run(new String[] {"hashes", "--dir", lists.toString(), "add", "--list", "dataset", p.toString()},
                    new PrintWriter(new java.io.StringWriter()), err);
            if (status != 0) {
                throw new IllegalStateException("could not list " + p);
            }
        }
        write(benign, allow, out.resolve("allow"), random, 0.08);
        // re-uploads of listed photos: turned, mirrored, scaled, re-encoded, a little brighter or darker, at most 1 % cropped
        write(listed, block, out.resolve("block"), random, 0.01);
        Path drawings = Files.createDirectories(out.resolve("review"));
        for (int i = 0; i < review; i++) {
            ImageIO.write(drawing(random), "png", drawings.resolve(String.format(Locale.ROOT, "drawing-%03d.png", i)).toFile());
        }
        err.printf(Locale.ROOT, "vigil bench dataset: %d allow, %d block (variants of %s, listed in %s), %d review in %s%n", allow, block,
                listed.stream().map(p -> p.getFileName().toString()).toList(), lists.resolve("dataset.tsv"), review, out);
        return 0;
    }

    private static void write(List<Path> from, int count, Path dir, Random random, double crop) throws Exception {
        Files.createDirectories(dir);
        for (int i = 0; i < count; i++) {
            Path src = from.get(i % from.size());
            BufferedImage img = toRgb(ImageIO.read(src.toFile()));
            BufferedImage v = i < from.size() ? img : variant(img, random, crop);
            String name = String.format(Locale.ROOT, "%03d-%s.jpg", i, src.getFileName().toString().replaceAll("\\.[^.]+$", ""));
            jpeg(v, dir.resolve(name), 0.6f + 0.35f * random.nextFloat());
        }
    }

    /** A crop, scale, quarter turn or mirror, and a brightness change: what re-uploads and edits do. */
    private static BufferedImage variant(BufferedImage img, Random r, double cropShare) {
        int w = img.getWidth();
        int h = img.getHeight();
        int cx = (int) (w * cropShare * r.nextDouble());
        int cy = (int) (h * cropShare * r.nextDouble());
        BufferedImage crop = img.getSubimage(cx, cy, w - cx - (int) (w * cropShare * r.nextDouble()), h - cy - (int) (h * cropShare * r.nextDouble()));
        double scale = 0.5 + 0.7 * r.nextDouble();
        int nw = Math.max(32, (int) (crop.getWidth() * scale));
        int nh = Math.max(32, (int) (crop.getHeight() * scale));
        int turn = r.nextInt(6); // 0-3 quarter turns, 4 mirror, 5 none
        boolean swap = turn == 1 || turn == 3;
        BufferedImage out = new BufferedImage(swap ? nh : nw, swap ? nw : nh, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        AffineTransform t = new AffineTransform();
        if (turn < 4) {
            t.translate(out.getWidth() / 2.0, out.getHeight() / 2.0);
            t.rotate(Math.PI / 2 * turn);
            t.translate(-nw / 2.0, -nh / 2.0);
        } else if (turn == 4) {
            t.translate(nw, 0);
            t.scale(-1, 1);
        }
        t.scale((double) nw / crop.getWidth(), (double) nh / crop.getHeight());
        g.drawImage(crop, t, null);
        g.dispose();
        float gain = 0.8f + 0.4f * r.nextFloat();
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                int p = out.getRGB(x, y);
                int red = Math.min(255, (int) (((p >> 16) & 255) * gain));
                int green = Math.min(255, (int) (((p >> 8) & 255) * gain));
                int blue = Math.min(255, (int) ((p & 255) * gain));
                out.setRGB(x, y, (red << 16) | (green << 8) | blue);
            }
        }
        return out;
    }

    private static BufferedImage drawing(Random r) {
        BufferedImage d = new BufferedImage(320 + r.nextInt(200), 240 + r.nextInt(160), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = d.createGraphics();
        g.setColor(new Color(230 + r.nextInt(26), 230 + r.nextInt(26), 230 + r.nextInt(26)));
        g.fillRect(0, 0, d.getWidth(), d.getHeight());
        for (int k = 0; k < 10 + r.nextInt(10); k++) {
            g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
            g.fillOval(r.nextInt(d.getWidth()), r.nextInt(d.getHeight()), 20 + r.nextInt(140), 20 + r.nextInt(100));
            g.setColor(Color.BLACK);
            g.drawLine(r.nextInt(d.getWidth()), r.nextInt(d.getHeight()), r.nextInt(d.getWidth()), r.nextInt(d.getHeight()));
        }
        g.dispose();
        return d;
    }

    private static BufferedImage toRgb(BufferedImage img) {
        BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.drawImage(img, 0, 0, null);
        g.dispose();
        return rgb;
    }

    private static void jpeg(BufferedImage img, Path file, float quality) throws Exception {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(quality);
        try (var out = ImageIO.createImageOutputStream(file.toFile())) {
            w.setOutput(out);
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
    }
}
