package dev.vigil.models.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.models.ModelException;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.repository.ModelRepository;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Proves a converted model computes what the original does: for every reference case the
 * original runtime recorded ({@code <reference>/<model>/cases.json}, see
 * {@code models/reference/README.md}), feeds the very same input tensor to the SavedModel
 * through TensorFlow Java and compares every output. Loads one model at a time and closes
 * it; not thread-safe.
 */
public final class FidelityVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelRepository repository;
    private final Path referenceRoot;

    public FidelityVerifier(ModelRepository repository, Path referenceRoot) {
        this.repository = repository;
        this.referenceRoot = referenceRoot;
    }

    public FidelityReport verify(ModelManifest manifest) {
        Path dir = referenceRoot.resolve(manifest.name());
        Path casesFile = dir.resolve("cases.json");
        if (!Files.isRegularFile(casesFile)) {
            throw new ModelException(casesFile + ": no reference outputs for model " + manifest.name() + " (run ./vigil models reference)");
        }
        JsonNode cases;
        try {
            cases = JSON.readTree(casesFile.toFile()).path("cases");
        } catch (IOException e) {
            throw new ModelException(casesFile + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!cases.isArray() || cases.isEmpty()) {
            throw new ModelException(casesFile + ": field cases is empty (expected: at least one reference case)");
        }
        Map<String, Double> worstPerOutput = new LinkedHashMap<>();
        double worst = 0;
        String worstWhere = "";
        Path versionDir = repository.versionDir(manifest.name(), manifest.version());
        try (SavedModelBundle bundle = SavedModelBundle.load(versionDir.toString(), "serve")) {
            SessionFunction function = bundle.function(manifest.signature());
            for (JsonNode c : cases) {
                String caseName = c.path("name").asText();
                JsonNode in = c.path("input");
                float[] input = readFloats(dir.resolve(in.path("file").asText()));
                long[] shape = longs(in.path("shape"));
                try (TFloat32 x = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(input, true, false));
                     Result result = function.call(Map.of(manifest.input().key(), x))) {
                    for (ModelManifest.Output output : manifest.outputs()) {
                        JsonNode ref = c.path("outputs").path(output.source());
                        if (ref.isMissingNode()) {
                            throw new ModelException(casesFile + ": case " + caseName + " has no output " + output.source()
                                    + " (expected for " + manifest.name() + " output " + output.key() + ")");
                        }
                        float[] expected = readFloats(dir.resolve(ref.path("file").asText()));
                        float[] actual = flatten(result.get(output.key()).orElseThrow(), caseName, output.key());
                        double diff = difference(output, expected, actual, caseName);
                        worstPerOutput.merge(output.key(), diff, Math::max);
                        if (diff > worst || worstWhere.isEmpty()) {
                            worst = Math.max(worst, diff);
                            worstWhere = caseName + "/" + output.key();
                        }
                    }
                }
            }
        }
        List<FidelityReport.OutputDifference> per = new ArrayList<>();
        worstPerOutput.forEach((k, v) -> per.add(new FidelityReport.OutputDifference(k, manifest.output(k).kind(), v)));
        return new FidelityReport(manifest.name(), cases.size(), worst, worstWhere, per);
    }

    /** Absolute for probabilities; relative to the largest reference magnitude otherwise. */
    static double difference(ModelManifest.Output output, float[] expected, float[] actual, String caseName) {
        if (expected.length != actual.length) {
            throw new ModelException("case " + caseName + " output " + output.key() + ": " + actual.length
                    + " values (expected: " + expected.length + " as the reference)");
        }
        double maxAbs = 0;
        double maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (Double.isNaN(d)) {
                return Double.POSITIVE_INFINITY;
            }
            maxAbs = Math.max(maxAbs, d);
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        if ("probabilities".equals(output.kind())) {
            return maxAbs;
        }
        return maxRef == 0 ? maxAbs : maxAbs / maxRef;
    }

    private static float[] flatten(Tensor tensor, String caseName, String key) {
        if (!(tensor instanceof TFloat32 t)) {
            throw new ModelException("case " + caseName + " output " + key + ": dtype " + tensor.dataType() + " (expected: float32)");
        }
        float[] values = new float[Math.toIntExact(t.shape().size())];
        t.asRawTensor().data().asFloats().read(values);
        return values;
    }

    static float[] readFloats(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length % 4 != 0) {
                throw new ModelException(file + ": " + bytes.length + " bytes (expected: a multiple of 4, raw float32)");
            }
            FloatBuffer floats = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] out = new float[floats.remaining()];
            floats.get(out);
            return out;
        } catch (IOException e) {
            throw new ModelException(file + ": not readable (" + e.getMessage() + ")", e);
        }
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
