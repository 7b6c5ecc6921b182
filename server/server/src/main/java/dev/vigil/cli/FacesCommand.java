package dev.vigil.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.face.Face;
import dev.vigil.engine.face.FaceAnalyzer;
import dev.vigil.engine.face.FaceAttributes;
import dev.vigil.engine.face.FaceBox;
import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.Pixels;
import dev.vigil.engine.model.ModelSession;
import dev.vigil.engine.model.SessionOptions;
import dev.vigil.engine.signal.FaceSignals;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil faces FILE...}: what the face models see in each image (box, landmarks,
 * detector score, age, probability of being under 18) and, with {@code --source}, each face's
 * identity similarity to the closest face of the source image. For ML engineers asking why a
 * verdict came out as it did. Exit status 2 when any input could not be read.
 */
@Command(name = "faces", mixinStandardHelpOptions = true,
        description = "Show the faces found in images: boxes, landmarks, age, under-18 probability, and similarity to a source image's faces.")
public final class FacesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Images.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--source", paramLabel = "SOURCE_IMAGE", description = "Compare each face with the faces of this image.")
    Path source;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Option(names = "--repository", paramLabel = "DIR", description = "Model repository (default: <cache>/models).")
    Path repository;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        VigilPaths paths = VigilPaths.resolve(null, repository);
        ModelRepository models = new ModelRepository(paths.repository());
        CliSupport.importMissingDefaults(paths, models, spec.commandLine().getErr());
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
        int status = 0;
        SessionOptions threads = SessionOptions.forCores(Runtime.getRuntime().availableProcessors());
        try (ModelSession detector = ModelSession.open(models, "blazeface", threads);
             ModelSession attributes = ModelSession.open(models, "faceres", threads)) {
            FaceAnalyzer analyzer = new FaceAnalyzer(detector, attributes);
            List<Face> sourceFaces = source == null ? List.of() : analyze(analyzer, decoder, source);
            for (Path file : files) {
                List<Face> faces;
                try {
                    faces = analyze(analyzer, decoder, file);
                } catch (Exception e) {
                    status = 2;
                    if (json) {
                        ObjectNode line = CliSupport.JSON.createObjectNode().put("path", file.toString());
                        line.putObject("error").put("code", "NOT_ANALYSED").put("message", e.getMessage());
                        out.println(line);
                    } else {
                        out.println(file + ": ERROR " + e.getMessage());
                    }
                    continue;
                }
                print(out, file, faces, sourceFaces);
            }
        }
        out.flush();
        return status;
    }

    private static List<Face> analyze(FaceAnalyzer analyzer, ImageDecoder decoder, Path file) throws Exception {
        try (Pixels pixels = decoder.decode(new EncodedImage(Files.readAllBytes(file)))) {
            return analyzer.analyze(pixels);
        }
    }

    private void print(PrintWriter out, Path file, List<Face> faces, List<Face> sourceFaces) {
        if (!json) {
            out.printf(Locale.ROOT, "%s: %d face(s)%n", file, faces.size());
        }
        ObjectNode line = CliSupport.JSON.createObjectNode().put("path", file.toString());
        ArrayNode list = line.putArray("faces");
        for (Face f : faces) {
            FaceBox b = f.box();
            FaceAttributes a = f.attributes();
            Double similarity = null;
            for (Face s : sourceFaces) {
                double sim = FaceAttributes.similarity(s.attributes().descriptor(), a.descriptor());
                similarity = similarity == null ? sim : Math.max(similarity, sim);
            }
            boolean comparable = b.width() >= FaceSignals.MIN_IDENTITY_FACE;
            if (json) {
                ObjectNode face = list.addObject();
                face.putObject("box").put("x", b.x()).put("y", b.y()).put("width", b.width()).put("height", b.height());
                ArrayNode landmarks = face.putArray("landmarks");
                for (FaceBox.Landmark which : FaceBox.Landmark.values()) {
                    FaceBox.Point p = b.landmark(which);
                    landmarks.addObject().put("name", which.name().toLowerCase(Locale.ROOT)).put("x", p.x()).put("y", p.y());
                }
                face.put("score", b.score());
                face.put("age", a.humanAge());
                face.put("under_18", a.minorProbability());
                face.put("male", a.male());
                if (similarity != null) {
                    face.put("source_similarity", similarity);
                    face.put("comparable", comparable);
                }
            } else {
                out.printf(Locale.ROOT, "  box (%.0f, %.0f) %.0fx%.0f px, score %.2f, age about %.0f, P(under 18) %.2f%s%n", b.x(), b.y(), b.width(),
                        b.height(), b.score(), a.humanAge(), a.minorProbability(), similarity == null ? ""
                                : String.format(Locale.ROOT, ", similarity to the source %.2f%s", similarity,
                                        comparable ? "" : " (face under " + (int) FaceSignals.MIN_IDENTITY_FACE + " px: not compared by the policy)"));
            }
        }
        if (json) {
            out.println(line);
        }
    }
}
