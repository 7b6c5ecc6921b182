package dev.vigil.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The latency-versus-throughput curve of a sweep as a self-contained SVG: throughput achieved
 * (verdicts/s) across, corrected latency down a log scale, one line per percentile (p50, p90,
 * p99, p99.9) through the steps in offered order, and the knee as a dashed vertical line.
 * Past saturation the throughput stops growing while latency climbs, so the lines turn upward
 * (or back) there; each step is labelled with its offered rate. Steps without a verdict are
 * left out. Stateless.
 */
public final class SweepPlot {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 480;
    private static final int LEFT = 80;
    private static final int RIGHT = WIDTH - 150;
    private static final int TOP = 60;
    private static final int BOTTOM = HEIGHT - 60;

    private record Series(String name, String colour, ToDoubleFunction<LatencySummary> value) {
    }

    private static final List<Series> SERIES = List.of(
            new Series("p50", "#1f77b4", LatencySummary::p50),
            new Series("p90", "#2ca02c", LatencySummary::p90),
            new Series("p99", "#d62728", LatencySummary::p99),
            new Series("p99.9", "#9467bd", LatencySummary::p999));

    private SweepPlot() {
    }

    public static String svg(SweepResult sweep) {
        List<LoadResult> points = new ArrayList<>();
        for (LoadResult r : sweep.steps()) {
            if (r.latency().count() > 0) {
                points.add(r);
            }
        }
        double xMax = 0;
        double yLow = Double.MAX_VALUE;
        double yHigh = 0;
        for (LoadResult r : sweep.steps()) {
            xMax = Math.max(xMax, Math.max(r.offeredPerSecond(), r.throughputPerSecond()));
        }
        for (LoadResult r : points) {
            yLow = Math.min(yLow, Math.max(0.001, r.latency().p50()));
            yHigh = Math.max(yHigh, Math.max(r.latency().p999(), r.latency().p50()));
        }
        xMax = niceCeiling(xMax * 1.05);
        // the y range runs between 1-2-5 values around the data (log10 of them), at least a factor of 10
        double decadeLow = points.isEmpty() ? 0 : Math.log10(oneTwoFive(yLow, false));
        double decadeHigh = points.isEmpty() ? 1 : Math.max(decadeLow + 1, Math.log10(oneTwoFive(Math.max(yHigh, 0.001), true)));

        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        s.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        s.append(text(LEFT, 24, "start", "font-size=\"15\" font-weight=\"bold\"", "Vigil latency vs throughput (open-loop sweep)"));
        s.append(text(LEFT, 42, "start", "fill=\"#555\"", sweep.target() + ", " + sweep.arrivals() + " arrivals, " + sweep.server() + " server"));

        // axes, grid and ticks
        double xStep = niceStep(xMax / 6);
        for (double x = 0; x <= xMax + 1e-9; x += xStep) {
            double px = px(x, xMax);
            s.append(line(px, TOP, px, BOTTOM, "#eee", null));
            s.append(text(px, BOTTOM + 16, "middle", "", SweepResult.number(Math.round(x * 1000) / 1000.0)));
        }
        for (double d = Math.floor(decadeLow + 1e-9); d <= decadeHigh; d++) {
            for (int m : new int[] {1, 2, 5}) {
                double v = m * Math.pow(10, d);
                double exponent = Math.log10(v);
                if (exponent < decadeLow - 1e-9 || exponent > decadeHigh + 1e-9) {
                    continue;
                }
                double py = py(exponent, decadeLow, decadeHigh);
                s.append(line(LEFT, py, RIGHT, py, m == 1 ? "#ddd" : "#f3f3f3", null));
                s.append(text(LEFT - 6, py + 4, "end", m == 1 ? "" : "fill=\"#888\"", milliseconds(v)));
            }
        }
        s.append(line(LEFT, BOTTOM, RIGHT, BOTTOM, "#333", null));
        s.append(line(LEFT, TOP, LEFT, BOTTOM, "#333", null));
        s.append(text((LEFT + RIGHT) / 2.0, HEIGHT - 20, "middle", "", "throughput achieved (verdicts/s)"));
        s.append(String.format(Locale.ROOT, "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 18 %.1f)\">%s</text>%n",
                (TOP + BOTTOM) / 2.0, (TOP + BOTTOM) / 2.0, "latency (ms, log scale, CO-corrected)"));

        // the knee
        Knee knee = sweep.knee();
        if (knee.offeredPerSecond() != null) {
            double px = px(knee.throughputPerSecond(), xMax);
            s.append(line(px, TOP, px, BOTTOM, "#444", "6 4"));
            s.append(text(px + 4, BOTTOM - 6, "start", "fill=\"#444\"", "knee: " + SweepResult.number(knee.offeredPerSecond()) + "/s offered"));
        }

        // one line per percentile, and the legend
        int legendY = TOP + 10;
        for (Series series : SERIES) {
            StringBuilder path = new StringBuilder();
            for (LoadResult r : points) {
                double px = px(r.throughputPerSecond(), xMax);
                double py = py(Math.log10(Math.max(0.001, series.value().applyAsDouble(r.latency()))), decadeLow, decadeHigh);
                path.append(path.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s %s/s offered: %s ms</title></circle>%n",
                        px, py, series.colour(), series.name(), SweepResult.number(r.offeredPerSecond()),
                        milliseconds(series.value().applyAsDouble(r.latency()))));
            }
            if (points.size() > 1) {
                s.append(String.format("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path, series.colour()));
            }
            s.append(line(RIGHT + 16, legendY, RIGHT + 40, legendY, series.colour(), null).replace("stroke-width=\"1\"", "stroke-width=\"2\""));
            s.append(text(RIGHT + 46, legendY + 4, "start", "", series.name()));
            legendY += 20;
        }
        // which step each point is: its offered rate above the p99.9 point (past saturation the curve turns back)
        for (LoadResult r : points) {
            double px = px(r.throughputPerSecond(), xMax);
            double py = py(Math.log10(Math.max(0.001, r.latency().p999())), decadeLow, decadeHigh);
            s.append(text(px, py - 7, "middle", "font-size=\"10\" fill=\"#777\"", SweepResult.number(r.offeredPerSecond()) + "/s"));
        }
        if (points.isEmpty()) {
            s.append(text((LEFT + RIGHT) / 2.0, (TOP + BOTTOM) / 2.0, "middle", "fill=\"#888\"", "no step got a verdict"));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static double px(double x, double xMax) {
        return LEFT + (RIGHT - LEFT) * (xMax <= 0 ? 0 : x / xMax);
    }

    private static double py(double log10, double decadeLow, double decadeHigh) {
        double f = (log10 - decadeLow) / (decadeHigh - decadeLow);
        return BOTTOM - (BOTTOM - TOP) * Math.max(0, Math.min(1, f));
    }

    private static String line(double x1, double y1, double x2, double y2, String colour, String dash) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"%s/>%n",
                x1, y1, x2, y2, colour, dash == null ? "" : " stroke-dasharray=\"" + dash + "\"");
    }

    private static String text(double x, double y, String anchor, String attributes, String content) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>%n", x, y, anchor,
                attributes.isEmpty() ? "" : " " + attributes, escape(content));
    }

    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String milliseconds(double ms) {
        return ms >= 1 ? SweepResult.number(Math.round(ms * 100) / 100.0) : String.format(Locale.ROOT, "%.3g", ms);
    }

    /** The nearest 1, 2 or 5 times a power of ten at or above {@code v} ({@code up}), or at or below it. */
    public static double oneTwoFive(double v, boolean up) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        double[] candidates = {magnitude, 2 * magnitude, 5 * magnitude, 10 * magnitude};
        if (up) {
            for (double c : candidates) {
                if (c >= v * (1 - 1e-9)) {
                    return c;
                }
            }
            return 10 * magnitude;
        }
        for (int i = candidates.length - 1; i >= 0; i--) {
            if (candidates[i] <= v * (1 + 1e-9)) {
                return candidates[i];
            }
        }
        return magnitude;
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code v}. */
    public static double niceStep(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (int m : new int[] {1, 2, 5, 10}) {
            if (m * magnitude >= v - 1e-12) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static double niceCeiling(double v) {
        double step = niceStep(v / 6);
        return Math.max(step, Math.ceil(v / step - 1e-9) * step);
    }
}
