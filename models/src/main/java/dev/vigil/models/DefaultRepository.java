package dev.vigil.models;

import dev.vigil.models.fetch.PackageFetcher;
import dev.vigil.models.repository.DefaultModels;
import dev.vigil.models.repository.DefaultModels.PinnedPackage;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.repository.ModelRepository;
import dev.vigil.models.repository.RepositoryImporter;
import dev.vigil.models.verify.FidelityReport;
import dev.vigil.models.verify.FidelityVerifier;
import dev.vigil.models.verify.ReferenceRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The default model repository's life cycle, as {@code ./vigil models} runs it: fetch the
 * pinned packages, import the five default models, record reference outputs with the
 * original runtime, and verify the converted models against them. One instance per command;
 * not thread-safe.
 */
public final class DefaultRepository {
    private final VigilPaths paths;
    private final Consumer<String> progress;
    private final DefaultModels defaults = DefaultModels.get();
    private final PackageFetcher fetcher;
    private final ModelRepository repository;

    public DefaultRepository(VigilPaths paths, Consumer<String> progress) {
        this.paths = paths;
        this.progress = progress;
        this.fetcher = new PackageFetcher(paths, progress);
        this.repository = new ModelRepository(paths.repository());
    }

    public ModelRepository repository() {
        return repository;
    }

    /** Fetches and verifies every pinned package; returns their unpacked folders. */
    public List<Path> fetch() {
        List<Path> dirs = new ArrayList<>();
        for (PinnedPackage pkg : defaults.packages()) {
            dirs.add(fetcher.fetch(pkg));
        }
        return dirs;
    }

    /** Imports the named default models (all when empty), fetching their packages if needed. */
    public List<Path> importModels(List<String> names) {
        List<ModelManifest> chosen = names.isEmpty() ? defaults.models() : names.stream().map(defaults::model).toList();
        repository.cleanStaging();
        RepositoryImporter importer = new RepositoryImporter(repository, progress);
        List<Path> installed = new ArrayList<>();
        for (ModelManifest model : chosen) {
            PinnedPackage pkg = defaults.pinnedPackage(model.source().packageName());
            progress.accept(model.name() + "/" + model.version() + ": importing " + model.source().path() + " ...");
            installed.add(importer.importModel(model, pkg, fetcher.fetch(pkg)));
        }
        return installed;
    }

    /** Runs the original models in Node and records their outputs for {@link #verify}. */
    public void reference(List<Path> extraPhotos, List<String> names) {
        Path nsfwjs = fetcher.fetch(defaults.pinnedPackage("nsfwjs"));
        Path human = fetcher.fetch(defaults.pinnedPackage("@vladmandic/human"));
        new ReferenceRuntime(paths, progress).run(nsfwjs, human, extraPhotos, names);
    }

    /**
     * Whether reference outputs exist for the named models (every default model when empty) and
     * were recorded from the same inputs (the runtime's script and the photos in the cache and
     * {@code extraPhotos}): outputs recorded from another photo set are not reused.
     */
    public boolean hasReference(List<Path> extraPhotos, List<String> names) {
        List<String> wanted = names.isEmpty() ? defaults.models().stream().map(ModelManifest::name).toList() : names;
        ReferenceRuntime runtime = new ReferenceRuntime(paths, progress);
        String key = runtime.inputKey(extraPhotos); // reads every photo: once, not once per model
        return wanted.stream().allMatch(m -> runtime.current(m, key));
    }

    /** Compares every installed model (or the named ones) with its reference outputs. */
    public List<FidelityReport> verify(List<String> names) {
        FidelityVerifier verifier = new FidelityVerifier(repository, paths.reference());
        List<ModelManifest> models = names.isEmpty()
                ? defaults.models().stream().map(m -> repository.latest(m.name())).toList()
                : names.stream().map(repository::latest).toList();
        List<FidelityReport> reports = new ArrayList<>();
        for (ModelManifest m : models) {
            reports.add(verifier.verify(m));
        }
        return reports;
    }
}
