package dev.vigil.bench.load;

import java.util.Map;

/** Made-up results for the tests of knee detection, JSON and the plot. */
final class LoadResults {
    private LoadResults() {
    }

    /** An open-loop step: {@code requests} over a 10 s window, all verdicts but {@code failed}, which are errors. */
    static LoadResult step(double offered, double throughput, double p99, long requests, long failed) {
        LatencySummary latency = new LatencySummary(requests - failed, p99 / 3, p99 / 2, p99, p99 * 1.2, p99 * 1.5, p99 / 2.5);
        LatencySummary service = new LatencySummary(requests - failed, p99 / 4, p99 / 3, p99 / 2, p99 / 1.5, p99, p99 / 3);
        return new LoadResult(LoadResult.OPEN_LOOP, "tcp 127.0.0.1:7461 (1 connection)", "external", null, offered, "constant", null, 1024,
                3, 10, "time", requests, requests - failed, 0, failed, 0L, 0, failed == 0 ? Map.of() : Map.of("OVERLOADED", failed),
                failed == 0 ? Map.of() : Map.of("OVERLOADED", "server busy"), throughput, latency, service,
                "open loop: latency from each request's intended send time on the schedule (uncorrected: from the actual send)",
                null, 0.4, 12, 2, "17 (test VM)");
    }

    /** A step that kept up with no errors. */
    static LoadResult step(double offered, double throughput, double p99) {
        return step(offered, throughput, p99, Math.round(offered * 10), 0);
    }

    static LoadResult closedLoop() {
        return new LoadResult(LoadResult.CLOSED_LOOP, "unix /tmp/vigil.sock (1 connection)", "in-process", 8, null, null, null, null,
                3, 10, "time", 1200, 1195, 3, 2, null, 0, Map.of("TIMEOUT", 2L), Map.of("TIMEOUT", "no verdict within 10000 ms"), 119.5,
                new LatencySummary(1450, 60, 90, 200, 400, 410, 70), new LatencySummary(1198, 60, 85, 150, 300, 410, 66),
                "closed loop: each client expected to send every 60.00 ms", 60.0, null, 12, 2, "17 (test VM)");
    }
}
