package dev.vigil.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./vigil bench jmh}: the JMH benchmarks of {@code dev.vigil.bench.jmh}, run through
 * JMH's {@link Runner} on this JVM's class path (each fork inherits it). Two profiles: quick
 * (minutes; one fork, short iterations, the default model and three batch sizes) to see that
 * everything runs and roughly where time goes, and full (about an hour on 2 cores; every
 * parameter, two forks, longer iterations) for numbers worth writing down.
 */
@Command(name = "jmh", mixinStandardHelpOptions = true,
        description = {
            "Run the JMH benchmarks (all, or those matching REGEX): decode, preprocess, inference per model and batch size,"
                    + " BlazeFace, the whole gate, PDQ hashing and hash-list lookups.",
            "--quick (default): 1 fork, 1 x 1 s warm-up, 2 x 1 s measurement; nsfw-mobilenet-v2-mid only, batch 1, 8, 32. A few minutes.",
            "--full: 2 forks, 3 x 3 s warm-up, 5 x 3 s measurement, every model and batch size. About an hour on 2 cores."})
final class JmhCommand implements Callable<Integer> {
    /** The benchmarks' package; a REGEX is matched against fully qualified benchmark names. */
    static final String PACKAGE = "dev.vigil.bench.jmh.";

    /** Parameter values the quick profile narrows to; -p overrides them. */
    static final Map<String, String[]> QUICK_PARAMS = Map.of(
            "model", new String[] {"nsfw-mobilenet-v2-mid"},
            "batch", new String[] {"1", "8", "32"});

    @Option(names = "--quick", description = "The quick profile (default).")
    boolean quick;

    @Option(names = "--full", description = "The full profile.")
    boolean full;

    @Option(names = {"-p", "--param"}, paramLabel = "NAME=V1,V2", description = "Benchmark parameter values, as JMH's -p (e.g. -p batch=1,64).")
    List<String> params = new ArrayList<>();

    @Option(names = "--prof", paramLabel = "PROFILER", description = "JMH profiler to add, e.g. gc or stack (JMHSample_35).")
    List<String> profilers = new ArrayList<>();

    @Option(names = "--result", paramLabel = "FILE", description = "Also write JMH's JSON results to FILE.")
    Path result;

    @Option(names = "--list", description = "List the benchmarks that would run, and stop.")
    boolean list;

    @Parameters(paramLabel = "REGEX", arity = "0..*", description = "Benchmarks to run: regexes found anywhere in dev.vigil.bench.jmh.<Class>.<method> (default: all).")
    List<String> patterns = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (quick && full) {
            throw new IllegalArgumentException("--quick and --full: choose one");
        }
        ChainedOptionsBuilder options = new OptionsBuilder().shouldFailOnError(true);
        if (patterns.isEmpty()) {
            options.include(PACKAGE.replace(".", "\\.") + ".*");
        } else {
            patterns.forEach(options::include); // JMH finds the regex anywhere in the benchmark's name
        }
        Map<String, String[]> values = new LinkedHashMap<>();
        if (full) {
            options.forks(2).warmupIterations(3).warmupTime(TimeValue.seconds(3)).measurementIterations(5).measurementTime(TimeValue.seconds(3));
        } else {
            options.forks(1).warmupIterations(1).warmupTime(TimeValue.seconds(1)).measurementIterations(2).measurementTime(TimeValue.seconds(1));
            values.putAll(QUICK_PARAMS);
        }
        for (String p : params) {
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("--param: " + p + " (expected: NAME=V1,V2,...)");
            }
            values.put(p.substring(0, eq), p.substring(eq + 1).split(","));
        }
        values.forEach(options::param);
        profilers.forEach(options::addProfiler);
        if (result != null) {
            options.resultFormat(ResultFormatType.JSON).result(result.toString());
        }
        Runner runner = new Runner(options.build());
        if (list) {
            runner.list();
            return 0;
        }
        runner.run();
        return 0;
    }
}
