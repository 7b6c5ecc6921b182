package dev.vigil.cli;

import dev.vigil.engine.face.Face;
import dev.vigil.engine.face.FaceAnalyzer;
import dev.vigil.engine.face.ProtectedPeople;
import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.Pixels;
import dev.vigil.engine.model.ModelSession;
import dev.vigil.engine.model.SessionOptions;
import dev.vigil.engine.signal.FaceSignals;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vigil people ...}: the protected-people registry. Enrolling runs the face models on
 * each photo and stores only the identity descriptor of its one face, never the photo.
 */
@Command(name = "people", mixinStandardHelpOptions = true,
        description = "Manage the protected people: faces whose sexualised depiction is always blocked (rule protected-person).",
        subcommands = {PeopleCommand.Enrol.class, PeopleCommand.ListPeople.class, PeopleCommand.Remove.class})
public final class PeopleCommand {
    @Spec
    CommandSpec spec;

    @Option(names = "--registry", paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "The registry file (default: <cache>/protected-people.json, the file ./vigil serve reads).")
    Path registry;

    @Option(names = "--repository", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Model repository (default: $VIGIL_MODEL_REPOSITORY, else <cache>/models).")
    Path repository;

    ProtectedPeople open() {
        return ProtectedPeople.open(registry != null ? registry : VigilPaths.resolve(null, null).cache().resolve("protected-people.json"));
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Command(name = "enrol", aliases = "enroll", mixinStandardHelpOptions = true,
            description = "Enrol a person from one or more photos; each must show exactly one face at least 40 px wide.")
    static final class Enrol implements Callable<Integer> {
        @ParentCommand
        PeopleCommand faces;

        @Option(names = "--id", required = true, description = "Who this is (letters, digits, '.', '_', '@', '-').")
        String id;

        @Option(names = "--note", description = "A note kept with the enrolment (not the photo).")
        String note;

        @Parameters(paramLabel = "PHOTO", arity = "1..*", description = "Photos of the person (PNG, JPEG, WebP, BMP).")
        List<Path> photos = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            ModelRepository repo = new ModelRepository(VigilPaths.resolve(null, faces.repository).repository());
            ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
            Map<Path, float[]> descriptors = new LinkedHashMap<>();
            String model;
            try (ModelSession detector = ModelSession.open(repo, "blazeface", SessionOptions.forCores(Runtime.getRuntime().availableProcessors()));
                 ModelSession attributes = ModelSession.open(repo, "faceres", SessionOptions.forCores(Runtime.getRuntime().availableProcessors()))) {
                model = attributes.id();
                FaceAnalyzer analyzer = new FaceAnalyzer(detector, attributes);
                for (Path photo : photos) {
                    List<Face> found;
                    try (Pixels pixels = decoder.decode(new EncodedImage(Files.readAllBytes(photo)))) {
                        found = analyzer.analyze(pixels);
                    }
                    if (found.size() != 1) {
                        throw new IllegalArgumentException(photo + ": " + found.size() + " faces found (expected: exactly 1)");
                    }
                    Face face = found.get(0);
                    if (face.box().width() < FaceSignals.MIN_IDENTITY_FACE) {
                        throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: the face is %.0f px wide (expected: >= %.0f px)",
                                photo, face.box().width(), FaceSignals.MIN_IDENTITY_FACE));
                    }
                    descriptors.put(photo, face.attributes().descriptor());
                }
            }
            ProtectedPeople people = faces.open();
            people.enrol(id, model, note, List.copyOf(descriptors.values()));
            faces.out().printf(Locale.ROOT, "enrolled %s from %d photo(s) into %s (descriptors only; the photos are not stored)%n",
                    id, descriptors.size(), people.file());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the enrolled people.")
    static final class ListPeople implements Callable<Integer> {
        @ParentCommand
        PeopleCommand faces;

        @Override
        public Integer call() {
            ProtectedPeople people = faces.open();
            faces.out().println("registry: " + people.file());
            Map<String, Integer> counts = new LinkedHashMap<>();
            Map<String, String> since = new LinkedHashMap<>();
            for (ProtectedPeople.Enrolment e : people.list()) {
                counts.merge(e.id(), 1, Integer::sum);
                since.putIfAbsent(e.id(), e.enrolledAt() + " " + e.model() + (e.note() == null ? "" : " (" + e.note() + ")"));
            }
            if (counts.isEmpty()) {
                faces.out().println("(nobody enrolled; ./vigil people enrol --id NAME PHOTO...)");
            }
            counts.forEach((id, n) -> faces.out().printf(Locale.ROOT, "%-32s %d face(s)  since %s%n", id, n, since.get(id)));
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove everything enrolled under an id.")
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        PeopleCommand faces;

        @Parameters(paramLabel = "ID", description = "The id to remove.")
        String id;

        @Override
        public Integer call() {
            int removed = faces.open().remove(id);
            if (removed == 0) {
                throw new IllegalArgumentException("id: " + id + " is not enrolled (see ./vigil people list)");
            }
            faces.out().printf(Locale.ROOT, "removed %s (%d face(s))%n", id, removed);
            return 0;
        }
    }
}
