package dev.vigil.models.tfjs;

import dev.vigil.models.VigilPaths;
import dev.vigil.models.fetch.PackageFetcher;
import dev.vigil.models.repository.DefaultModels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.models.ImportException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

class LayersModelImporterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The real models come from the pinned nsfwjs package in Vigil's cache, fetched if needed.
     * Their fidelity to TF.js is proven by DefaultModelsFidelityTest; here they must convert and run.
     */
    private static Path nsfwjs() {
        return new PackageFetcher(VigilPaths.resolve(null, null), System.err::println)
                .fetch(DefaultModels.get().pinnedPackage("nsfwjs"));
    }
    private static final Map<String, ImportedGraph> CONVERTED = new ConcurrentHashMap<>();

    // ---- synthetic models, checked against arithmetic done here in plain Java ----

    /**
     * Conv2D (stride 2, SAME on an even input, so TensorFlow pads only at the bottom/right) ->
     * BatchNormalization -> ReLU(max_value 6) -> Flatten -> Dense(softmax), functional config.
     */
    @Test
    void convBatchNormReluDenseMatchesHandComputedValues() {
        Random random = new Random(7);
        float[] input = uniform(random, 6 * 6 * 2, -2, 2);
        float[] kernel = uniform(random, 3 * 3 * 2 * 3, -1, 1);
        float[] convBias = {0.5f, -0.25f, 0.1f};
        float[] gamma = {1.5f, 0.75f, 2f};
        float[] beta = {0.2f, -0.3f, 1f};
        float[] mean = {0.1f, -0.4f, 0.3f};
        float[] variance = {0.8f, 1.7f, 0.05f};
        float[] denseKernel = uniform(random, 27 * 4, -0.5f, 0.5f);
        float[] denseBias = {0.1f, 0.2f, -0.1f, 0f};

        String layers = String.join(",",
                inputLayer("image", "[null, 6, 6, 2]"),
                layer("conv", "Conv2D", """
                        {"filters": 3, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same",
                         "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear", "use_bias": true}""", "image"),
                layer("bn", "BatchNormalization", """
                        {"axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true}""", "conv"),
                layer("clip", "ReLU", "{\"max_value\": 6, \"negative_slope\": 0, \"threshold\": 0}", "bn"),
                layer("flat", "Flatten", "{\"data_format\": \"channels_last\"}", "clip"),
                layer("probs", "Dense", "{\"units\": 4, \"activation\": \"softmax\", \"use_bias\": true}", "flat"));
        Map<String, WeightTensor> weights = weights(
                weight("conv/kernel", kernel, 3, 3, 2, 3), weight("conv/bias", convBias, 3),
                weight("bn/gamma", gamma, 3), weight("bn/beta", beta, 3),
                weight("bn/moving_mean", mean, 3), weight("bn/moving_variance", variance, 3),
                weight("probs/kernel", denseKernel, 27, 4), weight("probs/bias", denseBias, 4));
        ImportedGraph graph = LayersModelImporter.importModel(functional("tiny", layers, "image", "probs", weights));

        assertEquals(Map.of("image", "image:0"), graph.inputs());
        assertEquals(Map.of("probs", "probs/output:0"), graph.outputs());

        double[][][] x = image(input, 6, 6, 2);
        double[][][] conv = conv2d(x, kernel, 3, 3, 3, 2, 0, 1, convBias);
        int clippedHigh = 0;
        int clippedLow = 0;
        double[] flat = new double[27];
        int i = 0;
        for (double[][] row : conv) {
            for (double[] pixel : row) {
                for (int c = 0; c < 3; c++) {
                    double bn = (pixel[c] - mean[c]) / Math.sqrt(variance[c] + 0.001) * gamma[c] + beta[c];
                    clippedHigh += bn > 6 ? 1 : 0;
                    clippedLow += bn < 0 ? 1 : 0;
                    flat[i++] = Math.min(6, Math.max(0, bn));
                }
            }
        }
        assertTrue(clippedHigh > 0 && clippedLow > 0, "the input should exercise both ends of ReLU(max_value 6)");
        double[] logits = new double[4];
        for (int u = 0; u < 4; u++) {
            logits[u] = denseBias[u];
            for (int k = 0; k < 27; k++) {
                logits[u] += flat[k] * denseKernel[k * 4 + u];
            }
        }
        float[] actual = run(graph, "image", input, 1, 6, 6, 2).get("probs");
        assertArrayClose(softmax(logits), actual, 1e-5);
    }

    /**
     * Sequential config without an InputLayer: ZeroPadding2D ((1, 0), (0, 2)) -> DepthwiseConv2D
     * (multiplier 2, valid, bias) -> AveragePooling2D (2x2, stride 1, same: the last row and
     * column average fewer values) -> GlobalMaxPooling2D -> Dense(relu).
     */
    @Test
    void sequentialPaddingDepthwisePoolingMatchesHandComputedValues() {
        Random random = new Random(11);
        float[] input = uniform(random, 4 * 3 * 2, -1, 1);
        float[] depthwise = uniform(random, 2 * 2 * 2 * 2, -1, 1);
        float[] depthwiseBias = {0.1f, -0.2f, 0.3f, 0f};
        float[] denseKernel = uniform(random, 4 * 2, -1, 1);
        float[] denseBias = {0.05f, -3f};
        String layers = String.join(",",
                "{\"class_name\": \"ZeroPadding2D\", \"config\": {\"name\": \"pad\", \"batch_input_shape\": [null, 4, 3, 2],"
                        + " \"dtype\": \"float32\", \"padding\": [[1, 0], [0, 2]], \"data_format\": \"channels_last\"}}",
                "{\"class_name\": \"DepthwiseConv2D\", \"config\": {\"name\": \"dw\", \"kernel_size\": 2, \"strides\": 1,"
                        + " \"padding\": \"valid\", \"depth_multiplier\": 2, \"use_bias\": true, \"activation\": \"linear\"}}",
                "{\"class_name\": \"AveragePooling2D\", \"config\": {\"name\": \"avg\", \"pool_size\": [2, 2], \"strides\": [1, 1], \"padding\": \"same\"}}",
                "{\"class_name\": \"GlobalMaxPooling2D\", \"config\": {\"name\": \"gmax\"}}",
                "{\"class_name\": \"Dense\", \"config\": {\"name\": \"out\", \"units\": 2, \"activation\": \"relu\"}}");
        JsonNode json = parse("{\"format\": \"layers-model\", \"modelTopology\": {\"keras_version\": \"2.2.4\", \"model_config\":"
                + " {\"class_name\": \"Sequential\", \"config\": {\"name\": \"seq\", \"layers\": [" + layers + "]}}}}");
        Map<String, WeightTensor> weights = weights(
                weight("dw/depthwise_kernel", depthwise, 2, 2, 2, 2), weight("dw/bias", depthwiseBias, 4),
                weight("out/kernel", denseKernel, 4, 2), weight("out/bias", denseBias, 2));
        ImportedGraph graph = LayersModelImporter.importModel(new TfjsModel("seq-model", json, weights));
        assertEquals(Map.of("pad_input", "pad_input:0"), graph.inputs());

        // Padded to 5x5: one zero row on top, two zero columns on the right.
        double[][][] x = image(input, 4, 3, 2);
        double[][][] padded = new double[5][5][2];
        for (int h = 0; h < 4; h++) {
            for (int w = 0; w < 3; w++) {
                padded[h + 1][w] = x[h][w];
            }
        }
        // Depthwise 2x2 valid: 4x4x4, output channel c * 2 + m reads input channel c.
        double[][][] dw = new double[4][4][4];
        for (int h = 0; h < 4; h++) {
            for (int w = 0; w < 4; w++) {
                for (int c = 0; c < 2; c++) {
                    for (int m = 0; m < 2; m++) {
                        double sum = depthwiseBias[c * 2 + m];
                        for (int kh = 0; kh < 2; kh++) {
                            for (int kw = 0; kw < 2; kw++) {
                                sum += padded[h + kh][w + kw][c] * depthwise[((kh * 2 + kw) * 2 + c) * 2 + m];
                            }
                        }
                        dw[h][w][c * 2 + m] = sum;
                    }
                }
            }
        }
        // Average 2x2 stride 1 SAME on 4x4: pads one row/column after; padding is not counted.
        double[] max = new double[4];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int h = 0; h < 4; h++) {
            for (int w = 0; w < 4; w++) {
                for (int c = 0; c < 4; c++) {
                    double sum = 0;
                    int count = 0;
                    for (int ph = h; ph < Math.min(4, h + 2); ph++) {
                        for (int pw = w; pw < Math.min(4, w + 2); pw++) {
                            sum += dw[ph][pw][c];
                            count++;
                        }
                    }
                    max[c] = Math.max(max[c], sum / count);
                }
            }
        }
        double[] expected = new double[2];
        for (int u = 0; u < 2; u++) {
            double v = denseBias[u];
            for (int c = 0; c < 4; c++) {
                v += max[c] * denseKernel[c * 2 + u];
            }
            expected[u] = Math.max(0, v);
        }
        assertTrue(expected[0] > 0 && expected[1] == 0, "the second unit's bias keeps it below zero, so relu shows");
        assertArrayClose(expected, run(graph, "pad_input", input, 1, 4, 3, 2).get("out"), 1e-5);
    }

    private static final float[] RAMP = {-3f, -1.5f, -0.5f, 0f, 0.25f, 0.75f, 1.5f, 3f, 7f};

    /** Each activation name a config may use, against its Keras 2 / TF.js definition computed here. */
    @ParameterizedTest
    @CsvSource({"linear", "relu", "relu6", "sigmoid", "tanh", "elu", "selu", "softplus", "softsign", "swish", "silu",
            "hard_sigmoid", "exponential", "gelu", "mish"})
    void activationMatchesItsDefinition(String name) {
        Map<String, DoubleUnaryOperator> definitions = Map.ofEntries(
                Map.entry("linear", x -> x),
                Map.entry("relu", x -> Math.max(0, x)),
                Map.entry("relu6", x -> Math.min(6, Math.max(0, x))),
                Map.entry("sigmoid", LayersModelImporterTest::sigmoid),
                Map.entry("tanh", Math::tanh),
                Map.entry("elu", x -> x > 0 ? x : Math.expm1(x)),
                Map.entry("selu", x -> 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x))),
                Map.entry("softplus", x -> Math.log1p(Math.exp(x))),
                Map.entry("softsign", x -> x / (1 + Math.abs(x))),
                Map.entry("swish", x -> x * sigmoid(x)),
                Map.entry("silu", x -> x * sigmoid(x)),
                Map.entry("hard_sigmoid", x -> Math.min(1, Math.max(0, 0.2 * x + 0.5))),
                Map.entry("exponential", Math::exp),
                Map.entry("gelu", x -> 0.5 * x * (1 + erf(x / Math.sqrt(2)))),
                Map.entry("mish", x -> x * Math.tanh(Math.log1p(Math.exp(x)))));
        double[] expected = new double[RAMP.length];
        for (int i = 0; i < RAMP.length; i++) {
            expected[i] = definitions.get(name).applyAsDouble(RAMP[i]);
        }
        float[] actual = runOneLayer("Activation", "{\"activation\": \"" + name + "\"}");
        for (int i = 0; i < RAMP.length; i++) {
            // float32 precision relative to the value: exponential(7) is about 1097
            assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), name + "(" + RAMP[i] + ")");
        }
    }

    @Test
    void softmaxActivationAndLayerNormaliseTheLastAxis() {
        double[] expected = softmax(Arrays.stream(toDoubles(RAMP)).toArray());
        assertArrayClose(expected, runOneLayer("Activation", "{\"activation\": \"softmax\"}"), 1e-6);
        assertArrayClose(expected, runOneLayer("Softmax", "{\"axis\": -1}"), 1e-6);
    }

    /** Keras' ReLU with all three fields: 0.1 * (x - 1) below the threshold 1, x above it, 6 at most. */
    @Test
    void reluAppliesThresholdNegativeSlopeAndMaxValue() {
        double[] expected = new double[RAMP.length];
        for (int i = 0; i < RAMP.length; i++) {
            double x = RAMP[i];
            expected[i] = x > 1 ? Math.min(6, x) : 0.1 * (x - 1);
        }
        assertArrayClose(expected, runOneLayer("ReLU", "{\"max_value\": 6, \"negative_slope\": 0.1, \"threshold\": 1}"), 1e-6);
    }

    @Test
    void parametricActivationLayersUseTheirConfig() {
        double[] leaky = new double[RAMP.length];
        double[] elu = new double[RAMP.length];
        double[] thresholded = new double[RAMP.length];
        for (int i = 0; i < RAMP.length; i++) {
            double x = RAMP[i];
            leaky[i] = x > 0 ? x : 0.2 * x;
            elu[i] = x > 0 ? x : 0.5 * Math.expm1(x);
            thresholded[i] = x > 1 ? x : 0;
        }
        assertArrayClose(leaky, runOneLayer("LeakyReLU", "{\"alpha\": 0.2}"), 1e-6);
        assertArrayClose(elu, runOneLayer("ELU", "{\"alpha\": 0.5}"), 1e-6);
        assertArrayClose(thresholded, runOneLayer("ThresholdedReLU", "{\"theta\": 1.0}"), 1e-6);
    }

    /** PReLU over [3, 3] with alpha shared along the first axis: one alpha per column. */
    @Test
    void preluSharesAlphaAlongSharedAxes() {
        String layers = String.join(",",
                inputLayer("in", "[null, 9]"),
                layer("grid", "Reshape", "{\"target_shape\": [3, -1]}", "in"),
                layer("p", "PReLU", "{\"shared_axes\": [1]}", "grid"));
        float[] alpha = {0.1f, 0.5f, 2f};
        ImportedGraph graph = LayersModelImporter.importModel(functional("prelu", layers, "in", "p",
                weights(weight("p/alpha", alpha, 1, 3))));
        double[] expected = new double[RAMP.length];
        for (int i = 0; i < RAMP.length; i++) {
            expected[i] = RAMP[i] > 0 ? RAMP[i] : alpha[i % 3] * RAMP[i];
        }
        assertArrayClose(expected, run(graph, "in", RAMP, 1, 9).get("p"), 1e-6);
    }

    /**
     * Two inputs, merge layers, a Reshape with -1, GlobalAveragePooling2D and two outputs:
     * cat = [a - b, (a + b + (a - b)) / 3, max(a, b), a * b]; mean = mean of a as a 3x1 image.
     */
    @Test
    void mergeLayersAndTwoInputsTwoOutputs() {
        String layers = String.join(",",
                inputLayer("a", "[null, 3]"),
                inputLayer("b", "[null, 3]"),
                layer("diff", "Subtract", "{}", "a", "b"),
                layer("avg", "Average", "{}", "a", "b", "diff"),
                layer("max", "Maximum", "{}", "a", "b"),
                layer("prod", "Multiply", "{}", "a", "b"),
                layer("cat", "Concatenate", "{\"axis\": -1}", "diff", "avg", "max", "prod"),
                layer("img", "Reshape", "{\"target_shape\": [-1, 1, 1]}", "a"),
                layer("mean", "GlobalAveragePooling2D", "{}", "img"));
        JsonNode json = parse("{\"modelTopology\": {\"model_config\": {\"class_name\": \"Functional\", \"config\": {\"name\": \"m\","
                + " \"layers\": [" + layers + "], \"input_layers\": [[\"a\", 0, 0], [\"b\", 0, 0]],"
                + " \"output_layers\": [[\"cat\", 0, 0], [\"mean\", 0, 0]]}}}}");
        ImportedGraph graph = LayersModelImporter.importModel(new TfjsModel("merge", json, Map.of()));
        assertEquals(List.of("a", "b"), List.copyOf(graph.inputs().keySet()));
        assertEquals(List.of("cat", "mean"), List.copyOf(graph.outputs().keySet()));

        float[] a = {1f, -2f, 0.5f};
        float[] b = {3f, -1f, -4f};
        Map<String, float[]> out = run(graph, Map.of("a", a, "b", b), 1, 3);
        double[] cat = new double[12];
        for (int i = 0; i < 3; i++) {
            cat[i] = a[i] - b[i];
            cat[3 + i] = (a[i] + b[i] + (a[i] - b[i])) / 3.0;
            cat[6 + i] = Math.max(a[i], b[i]);
            cat[9 + i] = a[i] * b[i];
        }
        assertArrayClose(cat, out.get("cat"), 1e-6);
        // Reshape [3] -> [3, 1, 1]: a 3x1 image with one channel; its mean over the spatial axes.
        assertArrayClose(new double[] {(1 - 2 + 0.5) / 3}, out.get("mean"), 1e-6);
    }

    /** One Dense layer called twice (node 1 reads node 0) shares its weights; nested Sequential models work as layers. */
    @Test
    void sharedLayerAndNestedSequential() {
        float[] kernel = {1f, -1f, 0.5f, 2f};
        float[] bias = {0.5f, -0.5f};
        String shared = "{\"name\": \"shared\", \"class_name\": \"Dense\", \"config\": {\"name\": \"shared\", \"units\": 2,"
                + " \"activation\": \"relu\"}, \"inbound_nodes\": [[[\"in\", 0, 0, {}]], [[\"shared\", 0, 0, {}]]]}";
        String nested = "{\"name\": \"inner\", \"class_name\": \"Sequential\", \"config\": {\"name\": \"inner\", \"layers\": ["
                + "{\"class_name\": \"Dense\", \"config\": {\"name\": \"scale\", \"units\": 1, \"use_bias\": false,"
                + " \"batch_input_shape\": [null, 2]}}]}, \"inbound_nodes\": [[[\"shared\", 1, 0, {}]]]}";
        JsonNode json = parse("{\"modelTopology\": {\"model_config\": {\"class_name\": \"Model\", \"config\": {\"name\": \"m\","
                + " \"layers\": [" + String.join(",", inputLayer("in", "[null, 2]"), shared, nested) + "],"
                + " \"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"inner\", 0, 0]]}}}}");
        ImportedGraph graph = LayersModelImporter.importModel(new TfjsModel("shared", json, weights(
                weight("shared/kernel", kernel, 2, 2), weight("shared/bias", bias, 2), weight("scale/kernel", new float[] {3f, -1f}, 2, 1))));
        long kernelConstants = graph.graphDef().getNodeList().stream().filter(n -> n.getName().endsWith("shared/kernel")).count();
        assertEquals(1, kernelConstants, "the shared layer's kernel is one Const node");

        float[] x = {2f, 1f};
        double[] h = dense(dense(toDoubles(x), kernel, bias), kernel, bias);
        double expected = 3 * h[0] - h[1];
        assertArrayClose(new double[] {expected}, run(graph, "in", x, 1, 2).get("inner"), 1e-5);
    }

    // ---- refusals ----

    @Test
    void unknownLayerClassNamesTheClassAndTheModel() {
        String layers = String.join(",", inputLayer("in", "[null, 4]"),
                layer("odd", "CapsuleRouting", "{\"routings\": 3}", "in"));
        ImportException e = assertThrows(ImportException.class,
                () -> LayersModelImporter.importModel(functional("capsules", layers, "in", "odd", Map.of())));
        assertTrue(e.getMessage().startsWith("capsules: "), e.getMessage());
        assertTrue(e.getMessage().contains("layer odd (CapsuleRouting): layer class CapsuleRouting is not supported"), e.getMessage());
    }

    @Test
    void unknownActivationIsRefused() {
        ImportException e = assertThrows(ImportException.class, () -> LayersModelImporter.importModel(denseModel("crelu",
                weight("d/kernel", new float[12], 3, 4), weight("d/bias", new float[4], 4))));
        assertTrue(e.getMessage().contains("layer d (Dense): activation crelu is not supported"), e.getMessage());
    }

    @Test
    void missingWeightNamesLayerAndExpectedShape() {
        ImportException e = assertThrows(ImportException.class, () -> LayersModelImporter.importModel(denseModel("relu",
                weight("d/kernel", new float[12], 3, 4))));
        assertTrue(e.getMessage().startsWith("dense-model: layer d (Dense): weight d/bias missing"), e.getMessage());
        assertTrue(e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void weightOfTheWrongShapeIsRefused() {
        ImportException e = assertThrows(ImportException.class, () -> LayersModelImporter.importModel(denseModel("relu",
                weight("d/kernel", new float[12], 4, 3), weight("d/bias", new float[4], 4))));
        assertTrue(e.getMessage().contains("weight d/kernel has shape [4, 3] (expected: [3, 4])"), e.getMessage());
    }

    @Test
    void weightThatNoLayerUsesIsRefused() {
        ImportException e = assertThrows(ImportException.class, () -> LayersModelImporter.importModel(denseModel("relu",
                weight("d/kernel", new float[12], 3, 4), weight("d/bias", new float[4], 4), weight("e/bias", new float[4], 4))));
        assertTrue(e.getMessage().contains("1 weights belong to no layer: [e/bias]"), e.getMessage());
    }

    @Test
    void channelsFirstIsRefused() {
        String layers = String.join(",", inputLayer("in", "[null, 8, 8, 3]"),
                layer("pool", "MaxPooling2D", "{\"pool_size\": [2, 2], \"data_format\": \"channels_first\"}", "in"));
        ImportException e = assertThrows(ImportException.class,
                () -> LayersModelImporter.importModel(functional("nchw", layers, "in", "pool", Map.of())));
        assertTrue(e.getMessage().contains("layer pool (MaxPooling2D): config data_format = \"channels_first\""), e.getMessage());
    }

    // ---- the real nsfwjs models ----

    @ParameterizedTest
    @CsvSource({"mobilenet_v2, 224", "inception_v3, 299"})
    void realModelGivesFiveProbabilities(String folder, int size) {
        ImportedGraph graph = converted(folder);
        float[] input = uniform(new Random(3), size * size * 3, 0, 1);
        float[] probabilities = run(graph, "input_1", input, 1, size, size, 3).get("dense_3");
        assertEquals(5, probabilities.length);
        double sum = 0;
        for (float p : probabilities) {
            assertTrue(p >= 0 && p <= 1, Arrays.toString(probabilities));
            sum += p;
        }
        assertEquals(1.0, sum, 1e-5);
    }

    private static ImportedGraph converted(String folder) {
        Path dir = nsfwjs().resolve("dist/models").resolve(folder);
        return CONVERTED.computeIfAbsent(folder, f -> LayersModelImporter.importModel(TfjsModelReader.readNsfwjsBundle(f, dir)));
    }

    // ---- building models ----

    private static String inputLayer(String name, String shape) {
        return "{\"name\": \"" + name + "\", \"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": " + shape
                + ", \"dtype\": \"float32\", \"sparse\": false, \"name\": \"" + name + "\"}, \"inbound_nodes\": []}";
    }

    private static String layer(String name, String className, String config, String... from) {
        String withName = config.replaceFirst("\\{", "{\"name\": \"" + name + "\"" + (config.strip().equals("{}") ? "" : ", "));
        StringBuilder inbound = new StringBuilder();
        for (String f : from) {
            inbound.append(inbound.length() > 0 ? ", " : "").append("[\"").append(f).append("\", 0, 0, {}]");
        }
        return "{\"name\": \"" + name + "\", \"class_name\": \"" + className + "\", \"config\": " + withName
                + ", \"inbound_nodes\": [[" + inbound + "]]}";
    }

    /** One layer applied to {@link #RAMP}, in a model of its own. */
    private static float[] runOneLayer(String className, String config) {
        String layers = String.join(",", inputLayer("in", "[null, " + RAMP.length + "]"), layer("l", className, config, "in"));
        ImportedGraph graph = LayersModelImporter.importModel(functional("one-" + className, layers, "in", "l", Map.of()));
        return run(graph, "in", RAMP, 1, RAMP.length).get("l");
    }

    private static TfjsModel functional(String model, String layers, String input, String output, Map<String, WeightTensor> weights) {
        JsonNode json = parse("{\"format\": \"layers-model\", \"modelTopology\": {\"keras_version\": \"2.2.4\", \"model_config\":"
                + " {\"class_name\": \"Model\", \"config\": {\"name\": \"" + model + "\", \"layers\": [" + layers + "],"
                + " \"input_layers\": [[\"" + input + "\", 0, 0]], \"output_layers\": [[\"" + output + "\", 0, 0]]}}}}");
        return new TfjsModel(model, json, weights);
    }

    private static TfjsModel denseModel(String activation, WeightTensor... weights) {
        String layers = String.join(",", inputLayer("in", "[null, 3]"),
                layer("d", "Dense", "{\"units\": 4, \"activation\": \"" + activation + "\"}", "in"));
        return functional("dense-model", layers, "in", "d", weights(weights));
    }

    private static WeightTensor weight(String name, float[] values, long... shape) {
        return new WeightTensor(name, "float32", shape, values, null);
    }

    private static Map<String, WeightTensor> weights(WeightTensor... weights) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (WeightTensor w : weights) {
            out.put(w.name(), w);
        }
        return out;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    // ---- running graphs ----

    /** Runs the graph on one input and returns every output of the model by Keras output name. */
    private static Map<String, float[]> run(ImportedGraph imported, String input, float[] values, long... shape) {
        return run(imported, Map.of(input, values), shape);
    }

    /** Runs the graph on inputs of one shape, by Keras input name. */
    private static Map<String, float[]> run(ImportedGraph imported, Map<String, float[]> inputs, long... shape) {
        Map<String, float[]> out = new LinkedHashMap<>();
        List<TFloat32> tensors = new ArrayList<>();
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            graph.importGraphDef(imported.graphDef());
            Session.Runner runner = session.runner();
            inputs.forEach((name, values) -> {
                TFloat32 tensor = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
                tensors.add(tensor);
                runner.feed(imported.inputs().get(name), tensor);
            });
            imported.outputs().values().forEach(runner::fetch);
            try (Result result = runner.run()) {
                int i = 0;
                for (String key : imported.outputs().keySet()) {
                    TFloat32 t = (TFloat32) result.get(i++);
                    float[] v = new float[(int) t.size()];
                    t.copyTo(DataBuffers.of(v, false, false));
                    out.put(key, v);
                }
            }
        } finally {
            tensors.forEach(TFloat32::close);
        }
        return out;
    }


    // ---- arithmetic for the expected values ----

    private static float[] uniform(Random random, int n, float lo, float hi) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = lo + (hi - lo) * random.nextFloat();
        }
        return out;
    }

    private static double[][][] image(float[] values, int height, int width, int channels) {
        double[][][] out = new double[height][width][channels];
        for (int h = 0; h < height; h++) {
            for (int w = 0; w < width; w++) {
                for (int c = 0; c < channels; c++) {
                    out[h][w][c] = values[(h * width + w) * channels + c];
                }
            }
        }
        return out;
    }

    /** Square-kernel convolution with an HWIO kernel, explicit leading padding and implicit zeros beyond the edges. */
    private static double[][][] conv2d(double[][][] x, float[] kernel, int k, int filters, int outSize, int stride,
                                       int padBefore, int padAfter, float[] bias) {
        int inH = x.length;
        int inW = x[0].length;
        int channels = x[0][0].length;
        assertEquals(outSize, (inH + padBefore + padAfter - k) / stride + 1, "output size");
        double[][][] out = new double[outSize][outSize][filters];
        for (int oh = 0; oh < outSize; oh++) {
            for (int ow = 0; ow < outSize; ow++) {
                for (int f = 0; f < filters; f++) {
                    double sum = bias[f];
                    for (int kh = 0; kh < k; kh++) {
                        for (int kw = 0; kw < k; kw++) {
                            int h = oh * stride + kh - padBefore;
                            int w = ow * stride + kw - padBefore;
                            if (h < 0 || w < 0 || h >= inH || w >= inW) {
                                continue;
                            }
                            for (int c = 0; c < channels; c++) {
                                sum += x[h][w][c] * kernel[((kh * k + kw) * channels + c) * filters + f];
                            }
                        }
                    }
                    out[oh][ow][f] = sum;
                }
            }
        }
        return out;
    }

    private static double[] dense(double[] x, float[] kernel, float[] bias) {
        double[] out = new double[bias.length];
        for (int u = 0; u < bias.length; u++) {
            out[u] = bias[u];
            for (int k = 0; k < x.length; k++) {
                out[u] += x[k] * kernel[k * bias.length + u];
            }
            out[u] = Math.max(0, out[u]);
        }
        return out;
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** erf by its Maclaurin series to about 1e-9 for |x| <= 4; beyond, 1 - erfc(4) < 2e-8 away from +-1. */
    private static double erf(double x) {
        if (Math.abs(x) > 4) {
            return Math.signum(x);
        }
        double sum = 0;
        double term = x;
        for (int n = 0; n < 100; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private static double[] softmax(double[] logits) {
        double max = Arrays.stream(logits).max().orElseThrow();
        double[] e = Arrays.stream(logits).map(v -> Math.exp(v - max)).toArray();
        double sum = Arrays.stream(e).sum();
        return Arrays.stream(e).map(v -> v / sum).toArray();
    }

    private static void assertArrayClose(double[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, "element " + i + " of " + Arrays.toString(actual));
        }
    }
}
