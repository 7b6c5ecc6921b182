package dev.vigil.eval;

/**
 * A rate with its 95 % Wilson score interval: better than the normal approximation for the
 * small counts and extreme rates an evaluation meets (0 misses in 40 is not "0 %, certainly").
 *
 * @param hits  how many
 * @param total out of how many
 */
public record Wilson(long hits, long total, double rate, double low, double high) {
    private static final double Z = 1.959963984540054;

    public static Wilson of(long hits, long total) {
        if (total == 0) {
            return new Wilson(0, 0, Double.NaN, 0, 1);
        }
        double p = (double) hits / total;
        double z2 = Z * Z;
        double denominator = 1 + z2 / total;
        double centre = (p + z2 / (2 * total)) / denominator;
        double half = Z * Math.sqrt(p * (1 - p) / total + z2 / (4.0 * total * total)) / denominator;
        return new Wilson(hits, total, p, Math.max(0, centre - half), Math.min(1, centre + half));
    }

    @Override
    public String toString() {
        return total == 0 ? "n/a (none expected)" : String.format(java.util.Locale.ROOT, "%.1f %% (%d/%d; 95 %% CI %.1f-%.1f %%)", 100 * rate, hits, total,
                100 * low, 100 * high);
    }
}
