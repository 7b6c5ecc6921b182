package dev.vigil.models.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.models.ImportException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Converts a TensorFlow.js layers model (a Keras 2.x model config plus its weights) into a
 * GraphDef of standard TensorFlow ops with the weights as {@code Const} nodes. Reads the
 * functional config ({@code Model}/{@code Functional}: layers with inbound_nodes,
 * input_layers, output_layers), the {@code Sequential} config, and models nested as layers.
 *
 * <p>In the graph, each Keras input layer is a {@code Placeholder} named after it
 * ({@code input_1:0}); each layer's ops sit in a name scope named after the layer
 * ({@code Conv1/Conv2D}); each output layer ends in an {@code Identity} named
 * {@code <layer>/output}. What each layer class computes is in {@link KerasLayers}.
 *
 * <p>Stateless and thread-safe; each import builds in its own TensorFlow {@link Graph},
 * which it closes before returning.
 */
public final class LayersModelImporter {
    private static final Set<String> FUNCTIONAL = Set.of("Model", "Functional");
    private static final String SEQUENTIAL = "Sequential";
    private static final String INPUT_LAYER = "InputLayer";

    private final String model;
    private final LayerWeights weights;

    private LayersModelImporter(TfjsModel model) {
        this.model = model.name();
        this.weights = new LayerWeights(model);
    }

    /** Converts a TF.js layers model; fails with ImportException naming the model and the unknown layer class / config value / dtype. */
    public static ImportedGraph importModel(TfjsModel model) {
        if (model.kind() != TfjsModel.Kind.LAYERS) {
            throw new ImportException(model.name(), "model JSON describes a " + model.kind().name().toLowerCase(Locale.ROOT)
                    + " model (expected: a layers model with modelTopology.model_config)");
        }
        JsonNode topology = model.topology();
        JsonNode modelConfig = topology.has("model_config") ? topology.get("model_config") : topology;
        LayersModelImporter importer = new LayersModelImporter(model);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Map<String, String> inputs = new LinkedHashMap<>();
            Map<String, String> outputs = new LinkedHashMap<>();
            importer.buildTopLevel(tf, modelConfig, inputs, outputs);
            importer.weights.requireAllUsed();
            return new ImportedGraph(graph.toGraphDef(), Collections.unmodifiableMap(inputs), Collections.unmodifiableMap(outputs));
        }
    }

    /** A layer's output and the scope its ops went into, where an output's Identity joins them. */
    private record Built(Operand<TFloat32> output, Ops scope) {
    }

    private void buildTopLevel(Ops tf, JsonNode modelConfig, Map<String, String> inputs, Map<String, String> outputs) {
        String className = modelConfig.path("class_name").asText("");
        JsonNode config = modelConfig.path("config");
        if (className.equals(SEQUENTIAL)) {
            JsonNode layers = sequentialLayers(config);
            KerasLayer first = KerasLayer.of(model, layers.get(0));
            boolean explicitInput = first.className().equals(INPUT_LAYER);
            // Keras (and TF.js) name the implicit input of a Sequential model after its first layer.
            String inputName = explicitInput ? first.name() : first.name() + "_input";
            Operand<TFloat32> input = placeholder(tf, first, inputName);
            inputs.put(inputName, tensorName(input));
            Built last = sequential(tf, layers, explicitInput ? 1 : 0, new Built(input, tf));
            KerasLayer lastLayer = KerasLayer.of(model, layers.get(layers.size() - 1));
            outputs.put(lastLayer.name(), tensorName(outputIdentity(last)));
        } else if (FUNCTIONAL.contains(className)) {
            List<Ref> inputRefs = refs(config, "input_layers");
            List<Operand<TFloat32>> placeholders = new ArrayList<>();
            for (Ref ref : inputRefs) {
                KerasLayer layer = KerasLayer.of(model, layerEntry(config, ref.layer()));
                if (!layer.className().equals(INPUT_LAYER)) {
                    throw layer.error("listed in input_layers (expected: an InputLayer)");
                }
                Operand<TFloat32> input = placeholder(tf, layer, layer.name());
                inputs.put(layer.name(), tensorName(input));
                placeholders.add(input);
            }
            List<Ref> outputRefs = refs(config, "output_layers");
            List<Built> built = functional(tf, config, placeholders);
            for (int i = 0; i < outputRefs.size(); i++) {
                String name = outputRefs.get(i).layer();
                if (outputs.put(name, tensorName(outputIdentity(built.get(i)))) != null) {
                    throw new ImportException(model, "output_layers: layer " + name + " listed twice (expected: one output per layer)");
                }
            }
        } else {
            throw new ImportException(model, "model_config: class_name " + (className.isEmpty() ? "missing" : className)
                    + " (expected: Sequential, Model or Functional)");
        }
    }

    // ---- Sequential ----

    private JsonNode sequentialLayers(JsonNode config) {
        // Keras up to 2.1 wrote the layer list as the config itself; later versions as config.layers.
        JsonNode layers = config.isArray() ? config : config.path("layers");
        if (!layers.isArray() || layers.isEmpty()) {
            throw new ImportException(model, "Sequential config: field layers " + (layers.isArray() ? "empty" : "missing")
                    + " (expected: a non-empty list of layers)");
        }
        return layers;
    }

    private Built sequential(Ops tf, JsonNode layers, int start, Built input) {
        Built x = input;
        for (int i = start; i < layers.size(); i++) {
            KerasLayer layer = KerasLayer.of(model, layers.get(i));
            if (layer.className().equals(INPUT_LAYER)) {
                throw layer.error("InputLayer at position " + i + " of a Sequential model (expected: only as its first layer)");
            }
            x = call(tf, layers.get(i), layer, List.of(x.output()));
        }
        return x;
    }

    // ---- functional ----

    /** Where a layer reads a tensor from: the producing layer, which of its calls, which of its outputs. */
    private record Ref(String layer, int node, int tensor) {
        String key() {
            return layer + "[" + node + "][" + tensor + "]";
        }
    }

    /** One pending call of a layer: its entry, which call it is, and the tensors it reads. */
    private record Pending(JsonNode entry, KerasLayer layer, int node, List<Ref> inputs) {
    }

    /**
     * Applies a functional model's layers to the given tensors (one per input_layers entry, in
     * order) and returns the tensors its output_layers name, in order. Layers are built as soon
     * as their inputs exist, so the order of the layer list does not matter.
     */
    private List<Built> functional(Ops tf, JsonNode config, List<Operand<TFloat32>> inputs) {
        JsonNode layers = config.path("layers");
        if (!layers.isArray()) {
            throw new ImportException(model, "model config: field layers missing (expected: a list of layers)");
        }
        List<Ref> inputRefs = refs(config, "input_layers");
        if (inputRefs.size() != inputs.size()) {
            throw new ImportException(model, "model " + config.path("name").asText("?") + ": " + inputs.size()
                    + " inputs given (expected: " + inputRefs.size() + ", one per input_layers entry)");
        }
        Map<String, Built> tensors = new HashMap<>();
        for (int i = 0; i < inputRefs.size(); i++) {
            tensors.put(inputRefs.get(i).key(), new Built(inputs.get(i), tf));
        }
        List<Pending> pending = new ArrayList<>();
        for (JsonNode entry : layers) {
            KerasLayer layer = KerasLayer.of(model, entry);
            if (layer.className().equals(INPUT_LAYER)) {
                continue;
            }
            JsonNode nodes = entry.path("inbound_nodes");
            if (!nodes.isArray() || nodes.isEmpty()) {
                throw layer.error("field inbound_nodes " + (nodes.isArray() ? "empty" : "missing")
                        + " (expected: the list of tensors each call of the layer reads)");
            }
            for (int n = 0; n < nodes.size(); n++) {
                pending.add(new Pending(entry, layer, n, inboundRefs(layer, nodes.get(n))));
            }
        }
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (!p.inputs().stream().allMatch(r -> tensors.containsKey(r.key()))) {
                    continue;
                }
                List<Operand<TFloat32>> in = p.inputs().stream().map(r -> tensors.get(r.key()).output()).toList();
                tensors.put(new Ref(p.layer().name(), p.node(), 0).key(), call(tf, p.entry(), p.layer(), in));
                it.remove();
                progress = true;
            }
        }
        if (!pending.isEmpty()) {
            Pending p = pending.get(0);
            Ref missing = p.inputs().stream().filter(r -> !tensors.containsKey(r.key())).findFirst().orElseThrow();
            throw p.layer().error("reads " + missing.key() + ", which no layer produces (expected: an input layer or the output"
                    + " of another layer; each layer has one output, tensor index 0)");
        }
        List<Built> outputs = new ArrayList<>();
        for (Ref ref : refs(config, "output_layers")) {
            Built out = tensors.get(ref.key());
            if (out == null) {
                throw new ImportException(model, "output_layers: " + ref.key() + " is produced by no layer");
            }
            outputs.add(out);
        }
        return outputs;
    }

    /**
     * A Keras 2 inbound node: {@code [[layer, node_index, tensor_index, kwargs], ...]}. The
     * kwargs (a training flag, a mask) are ignored: no supported layer reads them at inference.
     */
    private List<Ref> inboundRefs(KerasLayer layer, JsonNode node) {
        if (!node.isArray()) {
            throw layer.error("inbound node " + node + " (expected: a Keras 2 list of [layer, node_index, tensor_index, kwargs];"
                    + " Keras 3 configs are not supported)");
        }
        List<Ref> out = new ArrayList<>();
        for (JsonNode ref : node) {
            out.add(ref(ref, "layer " + layer.name() + " inbound node"));
        }
        return out;
    }

    /** input_layers / output_layers: a list of [layer, node_index, tensor_index], or one such triple. */
    private List<Ref> refs(JsonNode config, String field) {
        JsonNode list = config.path(field);
        if (!list.isArray() || list.isEmpty()) {
            throw new ImportException(model, "model config: field " + field + " missing or empty"
                    + " (expected: a list of [layer, node_index, tensor_index])");
        }
        if (list.get(0).isTextual()) {
            return List.of(ref(list, field));
        }
        List<Ref> out = new ArrayList<>();
        for (JsonNode ref : list) {
            out.add(ref(ref, field));
        }
        return out;
    }

    private Ref ref(JsonNode ref, String where) {
        if (!ref.isArray() || ref.size() < 3 || !ref.get(0).isTextual() || !ref.get(1).canConvertToInt() || !ref.get(2).canConvertToInt()) {
            throw new ImportException(model, where + ": " + ref + " (expected: [layer, node_index, tensor_index])");
        }
        return new Ref(ref.get(0).asText(), ref.get(1).asInt(), ref.get(2).asInt());
    }

    private JsonNode layerEntry(JsonNode config, String name) {
        for (JsonNode entry : config.path("layers")) {
            if (name.equals(KerasLayer.of(model, entry).name())) {
                return entry;
            }
        }
        throw new ImportException(model, "model config names layer " + name + ", which is not in its layers list");
    }

    // ---- layers ----

    /** Builds one call of a layer, or of a model used as a layer, in a name scope named after it. */
    private Built call(Ops tf, JsonNode entry, KerasLayer layer, List<Operand<TFloat32>> inputs) {
        Ops scope;
        try {
            scope = tf.withSubScope(opName(layer.name()));
        } catch (IllegalArgumentException e) {
            throw layer.error("layer name is not usable as a TensorFlow name scope: " + e.getMessage());
        }
        try {
            if (layer.className().equals(SEQUENTIAL)) {
                layer.requireInputs(inputs, 1);
                JsonNode layers = sequentialLayers(entry.path("config"));
                boolean explicitInput = KerasLayer.of(model, layers.get(0)).className().equals(INPUT_LAYER);
                return sequential(scope, layers, explicitInput ? 1 : 0, new Built(inputs.get(0), scope));
            }
            if (FUNCTIONAL.contains(layer.className())) {
                List<Built> outputs = functional(scope, entry.path("config"), inputs);
                if (outputs.size() != 1) {
                    throw layer.error("nested model with " + outputs.size() + " outputs (expected: 1)");
                }
                return outputs.get(0);
            }
            return new Built(KerasLayers.build(new LayerCall(scope, layer, inputs, weights)), scope);
        } catch (IllegalArgumentException | TensorFlowException e) {
            // TensorFlow's shape inference refused an op: the config does not fit the tensors it is given.
            throw layer.error("TensorFlow refused the layer's ops: " + e.getMessage());
        }
    }

    private Operand<TFloat32> placeholder(Ops tf, KerasLayer layer, String name) {
        layer.requireFloat32();
        String field = layer.isUnset("batch_input_shape") ? "batch_shape" : "batch_input_shape";
        if (layer.isUnset(field)) {
            throw layer.error("config batch_input_shape missing (expected: the input's shape, e.g. [null, 224, 224, 3])");
        }
        if (layer.flag("sparse", false) || layer.flag("ragged", false)) {
            throw layer.error("sparse or ragged input (expected: a dense float32 input)");
        }
        return tf.withName(opName(name)).placeholder(TFloat32.class, Placeholder.shape(Shape.of(layer.shape(field))));
    }

    private static Operand<TFloat32> outputIdentity(Built built) {
        return built.scope().withName("output").identity(built.output());
    }

    private static String tensorName(Operand<?> operand) {
        return operand.op().name() + ":" + operand.asOutput().index();
    }

    /** TensorFlow op names allow [A-Za-z0-9.][A-Za-z0-9_.-]*; Keras names rarely stray outside that. */
    private static String opName(String kerasName) {
        String name = kerasName.replaceAll("[^A-Za-z0-9_.\\-]", "_");
        return name.isEmpty() || !Character.isLetterOrDigit(name.charAt(0)) && name.charAt(0) != '.' ? "L" + name : name;
    }
}
