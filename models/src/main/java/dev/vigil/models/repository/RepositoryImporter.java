package dev.vigil.models.repository;

import dev.vigil.models.ImportException;
import dev.vigil.models.ModelException;
import dev.vigil.models.repository.DefaultModels.PinnedPackage;
import dev.vigil.models.repository.SavedModelWriter.TensorDescription;
import dev.vigil.models.tfjs.GraphModelImporter;
import dev.vigil.models.tfjs.ImportedGraph;
import dev.vigil.models.tfjs.LayersModelImporter;
import dev.vigil.models.tfjs.TfjsModel;
import dev.vigil.models.tfjs.TfjsModelReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Converts one model of an unpacked package into a repository entry: reads the TF.js files
 * as the package ships them, converts them ({@link GraphModelImporter} or
 * {@link LayersModelImporter}), writes the SavedModel and a manifest completed with the graph's
 * tensor names, dtypes and shapes, and installs the version atomically. Stateless apart from
 * the repository it writes to; safe to use from one thread per model.
 */
public final class RepositoryImporter {
    private final ModelRepository repository;
    private final Consumer<String> progress;

    public RepositoryImporter(ModelRepository repository, Consumer<String> progress) {
        this.repository = repository;
        this.progress = progress;
    }

    /**
     * @param definition the model's catalogue entry ({@link DefaultModels})
     * @param pkg        the pinned package it comes from
     * @param packageDir the unpacked package
     * @return the installed version folder
     */
    public Path importModel(ModelManifest definition, PinnedPackage pkg, Path packageDir) {
        long start = System.nanoTime();
        String name = definition.name();
        ModelManifest.Source source = definition.source();
        Path path = packageDir.resolve(source.path());
        TfjsModel model = switch (source.packaging()) {
            case "nsfwjs-bundle" -> TfjsModelReader.readNsfwjsBundle(name, path);
            case "plain" -> TfjsModelReader.readPlain(name, path);
            default -> throw new ImportException(name, "source.packaging " + source.packaging() + " (expected: nsfwjs-bundle or plain)");
        };
        TfjsModel.Kind kind = model.kind();
        String declared = source.format();
        if (!(kind == TfjsModel.Kind.GRAPH ? "graph-model" : "layers-model").equals(declared)) {
            throw new ImportException(name, path + ": is a " + kind + " model (expected: " + declared + ")");
        }
        ImportedGraph graph = kind == TfjsModel.Kind.GRAPH ? GraphModelImporter.importModel(model) : LayersModelImporter.importModel(model);
        Map<String, String> inputs = Map.of(definition.input().key(), tensorFor(name, "input", definition.input().source(), graph.inputs()));
        Map<String, String> outputs = new LinkedHashMap<>();
        for (ModelManifest.Output o : definition.outputs()) {
            outputs.put(o.key(), tensorFor(name, "output", o.source(), graph.outputs()));
        }
        Path installed = repository.install(name, definition.version(), dir -> {
            Map<String, TensorDescription> tensors = SavedModelWriter.write(name, dir, graph.graphDef(), inputs, outputs);
            ModelManifest manifest = complete(definition, pkg, tensors, Map.of("saved_model.pb", sha256(dir.resolve("saved_model.pb"))));
            try {
                ModelRepository.JSON.writeValue(dir.resolve(ModelManifest.FILE_NAME).toFile(), manifest);
            } catch (IOException e) {
                throw new ModelException(dir + ": cannot write " + ModelManifest.FILE_NAME + " (" + e.getMessage() + ")", e);
            }
        });
        progress.accept(String.format("%s/%d: imported from %s %s in %.1f s -> %s", name, definition.version(), pkg.spec(), source.path(),
                (System.nanoTime() - start) / 1e9, installed));
        return installed;
    }

    private static String tensorFor(String model, String what, String source, Map<String, String> available) {
        String tensor = available.get(source);
        if (tensor == null) {
            throw new ImportException(model, what + " " + source + " is not in the converted model (it has: " + available.keySet() + ")");
        }
        return tensor;
    }

    private static ModelManifest complete(ModelManifest d, PinnedPackage pkg, Map<String, TensorDescription> tensors, Map<String, String> files) {
        ModelManifest.Input in = d.input();
        TensorDescription t = tensors.get(in.key());
        ModelManifest.Input input = new ModelManifest.Input(in.key(), in.source(), t.tensor(), dtypeName(t), t.shape(), in.colorOrder(),
                in.layout(), in.resize(), in.valueRange(), in.preprocessing());
        List<ModelManifest.Output> outputs = d.outputs().stream().map(o -> {
            TensorDescription ot = tensors.get(o.key());
            return new ModelManifest.Output(o.key(), o.source(), ot.tensor(), dtypeName(ot), ot.shape(), o.kind(), o.labels(), o.meaning());
        }).toList();
        ModelManifest.Source s = d.source();
        ModelManifest.Source source = new ModelManifest.Source(pkg.name(), pkg.version(), pkg.integrity(), s.path(), s.packaging(), s.format());
        return new ModelManifest(d.name(), d.version(), d.task(), d.description(), source, pkg.license(), d.accuracy(), input, outputs,
                SavedModelWriter.SIGNATURE, files);
    }

    private static String dtypeName(TensorDescription t) {
        return switch (t.dtype()) {
            case DT_FLOAT -> "float32";
            case DT_INT32 -> "int32";
            default -> t.dtype().name();
        };
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new ModelException(file + ": not readable (" + e.getMessage() + ")", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
