package dev.vigil.bench.report;

import dev.vigil.bench.load.SweepPlot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's plots as self-contained SVG (no scripts, no external fonts or styles): throughput
 * against batch size per model, the latency CDF at one load, and the per-stage breakdown as a
 * stacked bar. The latency-versus-load curve is {@link SweepPlot}'s. Stateless.
 */
public final class ReportPlots {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 480;
    private static final int LEFT = 80;
    private static final int RIGHT = WIDTH - 190;
    private static final int TOP = 60;
    private static final int BOTTOM = HEIGHT - 60;
    private static final List<String> COLOURS = List.of("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf");

    private ReportPlots() {
    }

    /** Images per second (linear) against batch size (log 2), one line per model. */
    public static String throughputVsBatch(List<BatchCurve.Point> points, String subtitle) {
        Map<String, List<BatchCurve.Point>> byModel = new LinkedHashMap<>();
        int maxBatch = 1;
        double yMax = 0;
        for (BatchCurve.Point p : points) {
            byModel.computeIfAbsent(p.model(), m -> new ArrayList<>()).add(p);
            maxBatch = Math.max(maxBatch, p.batch());
            yMax = Math.max(yMax, p.imagesPerSecond());
        }
        double xMaxLog = Math.max(1, Math.ceil(Math.log(maxBatch) / Math.log(2)));
        double yStep = SweepPlot.niceStep(Math.max(yMax, 1) * 1.1 / 6);
        double yTop = Math.ceil(Math.max(yMax, 1) * 1.1 / yStep) * yStep;
        StringBuilder s = header("Throughput vs batch size (engine on pre-made tensors, one caller)", subtitle);
        for (int e = 0; e <= xMaxLog; e++) {
            double px = LEFT + (RIGHT - LEFT) * e / xMaxLog;
            s.append(line(px, TOP, px, BOTTOM, "#eee", 1, null));
            s.append(text(px, BOTTOM + 16, "middle", "", String.valueOf(1 << e)));
        }
        for (double y = 0; y <= yTop + 1e-9; y += yStep) {
            double py = BOTTOM - (BOTTOM - TOP) * y / yTop;
            s.append(line(LEFT, py, RIGHT, py, "#eee", 1, null));
            s.append(text(LEFT - 6, py + 4, "end", "", number(y)));
        }
        axes(s, "batch size (images per model call, log scale)", "images/s");
        int legendY = TOP + 10;
        int i = 0;
        for (var entry : byModel.entrySet()) {
            String colour = COLOURS.get(i++ % COLOURS.size());
            StringBuilder path = new StringBuilder();
            for (BatchCurve.Point p : entry.getValue()) {
                double px = LEFT + (RIGHT - LEFT) * (Math.log(p.batch()) / Math.log(2)) / xMaxLog;
                double py = BOTTOM - (BOTTOM - TOP) * p.imagesPerSecond() / yTop;
                path.append(path.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s batch %d: %s images/s, %s ms per batch</title></circle>%n",
                        px, py, colour, SweepPlot.escape(p.model()), p.batch(), number(p.imagesPerSecond()), number(p.msPerBatch())));
            }
            if (entry.getValue().size() > 1) {
                s.append(String.format("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path, colour));
            }
            s.append(line(RIGHT + 16, legendY, RIGHT + 40, legendY, colour, 2, null));
            s.append(text(RIGHT + 46, legendY + 4, "start", "", entry.getKey()));
            legendY += 20;
        }
        return s.append("</svg>\n").toString();
    }

    /**
     * The fraction of requests answered within x ms (x on a log scale): {@code cdf} is a list of
     * {latency ms, fraction} pairs, rising; the p50, p90, p99 and p99.9 are marked.
     */
    public static String latencyCdf(List<double[]> cdf, Map<String, Double> percentiles, String subtitle) {
        double low = Double.MAX_VALUE;
        double high = 0;
        for (double[] p : cdf) {
            low = Math.min(low, Math.max(0.001, p[0]));
            high = Math.max(high, p[0]);
        }
        double decadeLow = cdf.isEmpty() ? 0 : Math.log10(SweepPlot.oneTwoFive(low, false));
        double decadeHigh = cdf.isEmpty() ? 1 : Math.max(decadeLow + 1, Math.log10(SweepPlot.oneTwoFive(Math.max(high, 0.001), true)));
        StringBuilder s = header("Latency distribution (CDF) at a moderate open-loop load", subtitle);
        for (double d = Math.floor(decadeLow + 1e-9); d <= decadeHigh; d++) {
            for (int m : new int[] {1, 2, 5}) {
                double v = m * Math.pow(10, d);
                double exponent = Math.log10(v);
                if (exponent < decadeLow - 1e-9 || exponent > decadeHigh + 1e-9) {
                    continue;
                }
                double px = logX(exponent, decadeLow, decadeHigh);
                s.append(line(px, TOP, px, BOTTOM, m == 1 ? "#ddd" : "#f3f3f3", 1, null));
                s.append(text(px, BOTTOM + 16, "middle", m == 1 ? "" : "fill=\"#888\"", number(v)));
            }
        }
        for (int f = 0; f <= 10; f += 2) {
            double py = BOTTOM - (BOTTOM - TOP) * f / 10.0;
            s.append(line(LEFT, py, RIGHT, py, "#eee", 1, null));
            s.append(text(LEFT - 6, py + 4, "end", "", f * 10 + "%"));
        }
        axes(s, "latency (ms, log scale, from each request's intended send time)", "requests answered within");
        StringBuilder path = new StringBuilder();
        double previousY = BOTTOM;
        for (double[] p : cdf) {
            double px = logX(Math.log10(Math.max(0.001, p[0])), decadeLow, decadeHigh);
            double py = BOTTOM - (BOTTOM - TOP) * p[1];
            // a step: the fraction holds until the next recorded latency
            path.append(path.length() == 0 ? String.format(Locale.ROOT, "%.1f,%.1f", px, previousY) : "")
                    .append(String.format(Locale.ROOT, " %.1f,%.1f %.1f,%.1f", px, previousY, px, py));
            previousY = py;
        }
        if (!cdf.isEmpty()) {
            s.append(String.format("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path.toString().trim(), COLOURS.get(0)));
        } else {
            s.append(text((LEFT + RIGHT) / 2.0, (TOP + BOTTOM) / 2.0, "middle", "fill=\"#888\"", "no verdicts"));
        }
        int legendY = TOP + 10;
        for (var e : percentiles.entrySet()) {
            double px = logX(Math.log10(Math.max(0.001, e.getValue())), decadeLow, decadeHigh);
            s.append(line(px, TOP, px, BOTTOM, "#999", 1, "4 3"));
            s.append(text(px + 3, TOP + 12 + 14 * (legendY - TOP - 10) / 20.0, "start", "font-size=\"10\" fill=\"#555\"", e.getKey()));
            s.append(text(RIGHT + 16, legendY + 4, "start", "", e.getKey() + ": " + number(e.getValue()) + " ms"));
            legendY += 20;
        }
        return s.append("</svg>\n").toString();
    }

    /** One horizontal bar, the mean ms per verdict of each stage stacked in order, with the values in the legend. */
    public static String stageBar(StageBreakdown stages, String subtitle) {
        double total = 0;
        for (double v : stages.stagesMs().values()) {
            total += v;
        }
        double step = SweepPlot.niceStep(Math.max(total, 0.001) * 1.05 / 6);
        double xTop = Math.max(step, Math.ceil(Math.max(total, 0.001) * 1.05 / step) * step);
        StringBuilder s = header("Where a verdict's time goes (mean ms per verdict, moderate load)", subtitle);
        for (double x = 0; x <= xTop + 1e-9; x += step) {
            double px = LEFT + (RIGHT - LEFT) * x / xTop;
            s.append(line(px, TOP, px, BOTTOM - 100, "#eee", 1, null));
            s.append(text(px, BOTTOM - 84, "middle", "", number(x)));
        }
        s.append(text((LEFT + RIGHT) / 2.0, BOTTOM - 64, "middle", "", "ms per verdict (mean)"));
        double barTop = TOP + 60;
        double barHeight = 80;
        double x = 0;
        int i = 0;
        int legendY = TOP + 10;
        for (var e : stages.stagesMs().entrySet()) {
            String colour = COLOURS.get(i++ % COLOURS.size());
            double px = LEFT + (RIGHT - LEFT) * x / xTop;
            double w = (RIGHT - LEFT) * e.getValue() / xTop;
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s ms</title></rect>%n",
                    px, barTop, w, barHeight, colour, e.getKey(), number(e.getValue())));
            if (w > 40) {
                s.append(text(px + w / 2, barTop + barHeight / 2 + 4, "middle", "fill=\"white\"", e.getKey()));
            }
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>%n", RIGHT + 16, legendY - 7, colour));
            s.append(text(RIGHT + 36, legendY + 4, "start", "", e.getKey() + ": " + number(e.getValue()) + " ms"));
            legendY += 20;
            x += e.getValue();
        }
        s.append(line(LEFT, TOP + 40, LEFT, BOTTOM - 100, "#333", 1, null));
        s.append(text(LEFT, BOTTOM - 30, "start", "fill=\"#555\"", String.format(Locale.ROOT,
                "server total %s ms, client %s ms, %d verdicts, mean batch %s; preprocess = %s us per image x mean batch (inside the model call)",
                number(stages.serverTotalMs()), number(stages.clientMeanMs()), stages.verdicts(), number(stages.meanBatch()),
                number(stages.preprocessUsPerImage()))));
        return s.append("</svg>\n").toString();
    }

    private static double logX(double log10, double decadeLow, double decadeHigh) {
        double f = (log10 - decadeLow) / (decadeHigh - decadeLow);
        return LEFT + (RIGHT - LEFT) * Math.max(0, Math.min(1, f));
    }

    private static StringBuilder header(String title, String subtitle) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        s.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        s.append(text(LEFT, 24, "start", "font-size=\"15\" font-weight=\"bold\"", title));
        String[] lines = subtitle.split("\n");
        for (int i = 0; i < lines.length && i < 2; i++) {
            s.append(text(LEFT, 40 + 13 * i, "start", "font-size=\"11\" fill=\"#555\"", lines[i]));
        }
        return s;
    }

    private static void axes(StringBuilder s, String xLabel, String yLabel) {
        s.append(line(LEFT, BOTTOM, RIGHT, BOTTOM, "#333", 1, null));
        s.append(line(LEFT, TOP, LEFT, BOTTOM, "#333", 1, null));
        s.append(text((LEFT + RIGHT) / 2.0, HEIGHT - 20, "middle", "", xLabel));
        s.append(String.format(Locale.ROOT, "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 18 %.1f)\">%s</text>%n",
                (TOP + BOTTOM) / 2.0, (TOP + BOTTOM) / 2.0, SweepPlot.escape(yLabel)));
    }

    private static String line(double x1, double y1, double x2, double y2, String colour, int width, String dash) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%d\"%s/>%n",
                x1, y1, x2, y2, colour, width, dash == null ? "" : " stroke-dasharray=\"" + dash + "\"");
    }

    private static String text(double x, double y, String anchor, String attributes, String content) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>%n", x, y, anchor,
                attributes.isEmpty() ? "" : " " + attributes, SweepPlot.escape(content));
    }

    /** At most three significant decimals, no trailing zeros. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.valueOf((long) v);
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : Math.abs(v) >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
