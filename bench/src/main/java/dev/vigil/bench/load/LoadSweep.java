package dev.vigil.bench.load;

import dev.vigil.bench.BenchCommand;
import dev.vigil.bench.MachineFacts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A sweep: one {@link OpenLoop} run per offered rate, lowest first, each with its own warm-up
 * and window and drained before the next starts, over one target; then the {@link Knee}.
 * Once {@value #SATURATED_STEPS} steps in a row fall short of their offered rate the server is
 * saturated and every higher step would only queue longer and time out, so the sweep stops
 * there unless asked to run every step.
 */
public final class LoadSweep {
    /** Consecutive steps that did not keep up after which a sweep stops. */
    static final int SATURATED_STEPS = 2;

    private LoadSweep() {
    }

    /**
     * Runs the steps against {@code target} (owned by the caller).
     *
     * @param seed      Poisson only: step i uses {@code seed + i}; null for constant spacing
     * @param runAll    run every rate even past saturation
     * @param afterStep told of each step as it ends (progress output)
     */
    public static SweepResult run(LoadTarget target, String server, List<byte[]> images, List<Double> rates, Long seed, int maxInFlight,
                                  LoadWindow stepWindow, Knee.Criteria criteria, boolean runAll, Consumer<LoadResult> afterStep)
            throws InterruptedException {
        List<LoadResult> steps = new ArrayList<>();
        String stoppedEarly = null;
        int shortInARow = 0;
        for (int i = 0; i < rates.size(); i++) {
            double rate = rates.get(i);
            ArrivalSchedule schedule = seed == null ? ArrivalSchedule.constant(rate) : ArrivalSchedule.poisson(rate, seed + i);
            LoadResult step = OpenLoop.run(target, server, images, schedule, seed == null ? null : seed + i, maxInFlight, stepWindow);
            steps.add(step);
            afterStep.accept(step);
            shortInARow = criteria.keptUp(step) ? 0 : shortInARow + 1;
            if (!runAll && shortInARow == SATURATED_STEPS && i < rates.size() - 1) {
                stoppedEarly = String.format("%d steps in a row below %.0f%% of their offered rate (saturated at about %.1f verdicts/s); "
                        + "%d higher rates not run (--full-sweep runs them)", SATURATED_STEPS, (1 - criteria.throughputTolerance()) * 100,
                        step.throughputPerSecond(), rates.size() - 1 - i);
                break;
            }
        }
        return new SweepResult(target.describe(), server, seed == null ? "constant" : "poisson", seed, List.copyOf(rates), stoppedEarly,
                Knee.find(steps, criteria), List.copyOf(steps), null);
    }

    /**
     * Writes {@code <prefix>.csv}, {@code <prefix>.json} and {@code <prefix>.svg} (creating the
     * folder) and returns the sweep with their paths.
     */
    public static SweepResult write(SweepResult sweep, Path prefix) throws IOException {
        return write(sweep, prefix, null);
    }

    /** As {@link #write(SweepResult, Path)}, the JSON file with {@code machine} added last (when not null). */
    public static SweepResult write(SweepResult sweep, Path prefix, MachineFacts machine) throws IOException {
        Path folder = prefix.toAbsolutePath().getParent();
        if (folder != null) {
            Files.createDirectories(folder);
        }
        String name = prefix.getFileName().toString();
        Map<String, String> files = new LinkedHashMap<>();
        Path csv = prefix.resolveSibling(name + ".csv");
        Path json = prefix.resolveSibling(name + ".json");
        Path svg = prefix.resolveSibling(name + ".svg");
        files.put("csv", csv.toString());
        files.put("json", json.toString());
        files.put("svg", svg.toString());
        SweepResult written = sweep.withFiles(files);
        Files.writeString(csv, written.csv(), StandardCharsets.UTF_8);
        Files.writeString(svg, SweepPlot.svg(written), StandardCharsets.UTF_8);
        Files.writeString(json, BenchCommand.JSON.writeValueAsString(machine == null ? written : machine.attachTo(written)) + "\n",
                StandardCharsets.UTF_8);
        return written;
    }
}
