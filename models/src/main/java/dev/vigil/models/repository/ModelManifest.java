package dev.vigil.models.repository;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The {@code vigil-model.json} beside each SavedModel in the repository: everything the
 * engine needs to feed the model and read its outputs, and where the model came from. The
 * engine reads only this and the SavedModel, so any model that fits it can be served.
 * Immutable; the default catalogue uses the same shape with the graph-derived fields
 * ({@code tensor}, {@code dtype}, {@code shape}, {@code files}) left null.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelManifest(
        String name,
        int version,
        /* classifier, face-detector or face-attributes */
        String task,
        String description,
        Source source,
        String license,
        Accuracy accuracy,
        Input input,
        List<Output> outputs,
        /* the SavedModel signature to call */
        String signature,
        /* file name (relative to the version folder) to its sha256 */
        Map<String, String> files) {

    public static final String FILE_NAME = "vigil-model.json";

    /** Where the model came from: the npm package (pinned), the path inside it, how it is packed. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Source(@JsonProperty("package") String packageName, String version, String integrity,
                         String path, String packaging, String format) {
    }

    /** The accuracy the model's authors report; {@code value} is null where they report none. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Accuracy(String metric, Double value, String reportedBy) {
    }

    /**
     * The image input.
     *
     * @param key           signature key
     * @param source        the input's name in the original TF.js model
     * @param tensor        graph tensor name
     * @param colorOrder    RGB or BGR
     * @param resize        {@code bilinear} (half-pixel off, TF.js' default) or {@code bilinear-align-corners}
     * @param valueRange    the range pixel values 0..255 are mapped onto, linearly
     * @param preprocessing the original library's code path, in words
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Input(String key, String source, String tensor, String dtype, long[] shape, String colorOrder,
                        String layout, String resize, double[] valueRange, String preprocessing) {

        /** Height and width the model takes (NHWC). */
        public int height() {
            return (int) shape[1];
        }

        public int width() {
            return (int) shape[2];
        }
    }

    /**
     * One output.
     *
     * @param kind {@code probabilities} (bounded in [0,1]) or {@code unbounded} (logits, boxes,
     *             descriptors); fidelity checks use an absolute bound for the first and one
     *             relative to the largest magnitude for the second
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Output(String key, String source, String tensor, String dtype, long[] shape, String kind,
                         List<String> labels, String meaning) {
    }

    public Output output(String key) {
        return outputs.stream().filter(o -> o.key().equals(key)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("model " + name + ": no output " + key));
    }
}
