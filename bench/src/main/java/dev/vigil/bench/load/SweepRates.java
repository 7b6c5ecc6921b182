package dev.vigil.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The offered rates of a sweep, from {@code --sweep FROM:TO:STEP}: an arithmetic series
 * ({@code 10:100:10} is 10, 20, ..., 100 requests/s) or, with {@code x} before the step, a
 * geometric one ({@code 5:80:x2} is 5, 10, 20, 40, 80). TO is included when the series lands
 * on it (to within a millionth). At most {@value #MAX_STEPS} steps, so a sweep stays bounded.
 */
public final class SweepRates {
    /** A sweep's step count bound: each step is a warm-up and a window, so more would run for hours. */
    public static final int MAX_STEPS = 50;

    private SweepRates() {
    }

    public static List<Double> parse(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("sweep: " + spec + " (expected: FROM:TO:STEP, e.g. 10:100:10, or FROM:TO:xFACTOR, e.g. 5:80:x2)");
        }
        double from = number(spec, "FROM", parts[0]);
        double to = number(spec, "TO", parts[1]);
        boolean geometric = parts[2].toLowerCase(Locale.ROOT).startsWith("x");
        double step = number(spec, geometric ? "FACTOR" : "STEP", geometric ? parts[2].substring(1) : parts[2]);
        if (!(from > 0) || !(to >= from)) {
            throw new IllegalArgumentException("sweep: " + spec + " (expected: 0 < FROM <= TO)");
        }
        if (geometric ? !(step > 1) : !(step > 0)) {
            throw new IllegalArgumentException("sweep: " + spec + (geometric ? " (expected: FACTOR > 1)" : " (expected: STEP > 0)"));
        }
        List<Double> rates = new ArrayList<>();
        double slack = to * 1e-6;
        for (int i = 0; ; i++) {
            double rate = geometric ? from * Math.pow(step, i) : from + i * step;
            if (rate > to + slack) {
                break;
            }
            if (rates.size() == MAX_STEPS) {
                throw new IllegalArgumentException("sweep: " + spec + " makes more than " + MAX_STEPS + " steps (expected: <= " + MAX_STEPS
                        + "; use a larger STEP or a geometric series)");
            }
            rates.add(Math.round(rate * 1e6) / 1e6);
        }
        return rates;
    }

    private static double number(String spec, String name, String text) {
        try {
            double v = Double.parseDouble(text.strip());
            if (!Double.isFinite(v)) {
                throw new NumberFormatException(text);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sweep: " + spec + " (" + name + " is " + (text.isEmpty() ? "empty" : text) + "; expected: a number)");
        }
    }
}
