package dev.vigil.models.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.vigil.models.ImportException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Converts a TensorFlow.js graph model into a GraphDef that stock TensorFlow runs:
 * <ol>
 *   <li>{@code modelTopology} is the proto3 JSON form of a GraphDef; it is parsed as such;</li>
 *   <li>each {@code Const} node gets its tensor from the decoded weights of the same name
 *       (TF.js's converter moves constant values into the weight shards);</li>
 *   <li>the ops TF.js's converter fuses for its own kernels ({@code _FusedConv2D},
 *       {@code FusedDepthwiseConv2dNative}, {@code _FusedMatMul}) become the standard op, then
 *       {@code BiasAdd}, then the activation, with the same semantics as tfjs-converter's
 *       executor: an optional BiasAdd first, then one of Relu, Relu6, Elu, Selu, LeakyRelu,
 *       Prelu, Sigmoid, Tanh; the last node keeps the fused node's name so consumers are
 *       untouched.</li>
 * </ol>
 * Any other op is kept as is; TensorFlow itself refuses one it does not know when the graph is
 * imported ({@link dev.vigil.models.repository.SavedModelWriter}). Stateless and thread-safe.
 */
public final class GraphModelImporter {
    private static final Set<String> FUSED = Set.of("_FusedConv2D", "FusedDepthwiseConv2dNative", "_FusedMatMul");
    private static final Set<String> DROPPED_ATTRS = Set.of("fused_ops", "num_args", "epsilon", "leakyrelu_alpha", "TArgs", "num_host_args");

    private GraphModelImporter() {
    }

    public static ImportedGraph importModel(TfjsModel model) {
        GraphDef parsed = parseTopology(model);
        GraphDef.Builder out = GraphDef.newBuilder(parsed).clearNode();
        Set<String> usedWeights = new HashSet<>();
        for (NodeDef node : parsed.getNodeList()) {
            switch (node.getOp()) {
                case "Const" -> out.addNode(withValue(model, node, usedWeights));
                case "_FusedConv2D" -> out.addAllNode(unfuse(model, node, "Conv2D"));
                case "FusedDepthwiseConv2dNative" -> out.addAllNode(unfuse(model, node, "DepthwiseConv2dNative"));
                case "_FusedMatMul" -> out.addAllNode(unfuse(model, node, "MatMul"));
                default -> {
                    if (node.getOp().startsWith("_Fused") || node.getOp().startsWith("Fused") && !node.getOp().startsWith("FusedBatchNorm")) {
                        throw new ImportException(model.name(), "node " + node.getName() + ": op " + node.getOp()
                                + " is a fused TF.js op Vigil cannot rewrite (expected one of " + FUSED + ")");
                    }
                    out.addNode(node);
                }
            }
        }
        for (String weight : model.weights().keySet()) {
            if (!usedWeights.contains(weight)) {
                throw new ImportException(model.name(), "weight " + weight + " has no Const node of that name in modelTopology");
            }
        }
        return new ImportedGraph(out.build(), inputs(parsed), outputs(model, parsed));
    }

    private static GraphDef parseTopology(TfjsModel model) {
        GraphDef.Builder graph = GraphDef.newBuilder();
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(model.topology().toString(), graph);
        } catch (InvalidProtocolBufferException e) {
            throw new ImportException(model.name(), "modelTopology is not a GraphDef in JSON form: " + e.getMessage(), e);
        }
        if (graph.getNodeCount() == 0) {
            throw new ImportException(model.name(), "modelTopology: node list is empty");
        }
        return graph.build();
    }

    private static NodeDef withValue(TfjsModel model, NodeDef node, Set<String> usedWeights) {
        WeightTensor weight = model.weights().get(node.getName());
        if (weight == null) {
            TensorProto declared = node.getAttrOrDefault("value", AttrValue.getDefaultInstance()).getTensor();
            if (declared.getTensorContent().isEmpty() && !hasInlineValues(declared)) {
                throw new ImportException(model.name(), "Const node " + node.getName() + ": no weight of that name in weightsManifest and no inline value");
            }
            return node; // small constants can stay inline in the topology
        }
        usedWeights.add(node.getName());
        DataType dtype = switch (weight.dtype()) {
            case "float32" -> DataType.DT_FLOAT;
            case "int32" -> DataType.DT_INT32;
            case "bool" -> DataType.DT_BOOL;
            default -> throw new ImportException(model.name(), "weight " + weight.name() + ": dtype " + weight.dtype() + " is not supported");
        };
        DataType declared = node.getAttrOrDefault("dtype", AttrValue.getDefaultInstance()).getType();
        if (declared != DataType.DT_INVALID && declared != dtype) {
            throw new ImportException(model.name(), "Const node " + node.getName() + ": dtype " + declared + " (weight has " + dtype + ")");
        }
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : weight.shape()) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        TensorProto tensor = TensorProto.newBuilder()
                .setDtype(dtype)
                .setTensorShape(shape)
                .setTensorContent(ByteString.copyFrom(weight.littleEndianBytes()))
                .build();
        return node.toBuilder()
                .putAttr("value", AttrValue.newBuilder().setTensor(tensor).build())
                .putAttr("dtype", AttrValue.newBuilder().setType(dtype).build())
                .build();
    }

    private static boolean hasInlineValues(TensorProto t) {
        return t.getFloatValCount() + t.getIntValCount() + t.getBoolValCount() + t.getInt64ValCount() + t.getStringValCount() > 0;
    }

    /** Rewrites one fused node into the base op, BiasAdd and activation; the last keeps its name. */
    private static List<NodeDef> unfuse(TfjsModel model, NodeDef node, String baseOp) {
        List<String> fusedOps = new ArrayList<>();
        for (ByteString s : node.getAttrOrDefault("fused_ops", AttrValue.getDefaultInstance()).getList().getSList()) {
            fusedOps.add(s.toString(StandardCharsets.UTF_8));
        }
        List<String> data = new ArrayList<>();
        List<String> control = new ArrayList<>();
        for (String input : node.getInputList()) {
            (input.startsWith("^") ? control : data).add(input);
        }
        int numArgs = (int) node.getAttrOrDefault("num_args", AttrValue.newBuilder().setI(data.size() - 2).build()).getI();
        if (data.size() != 2 + numArgs) {
            throw new ImportException(model.name(), "node " + node.getName() + ": " + data.size() + " data inputs (expected: 2 + num_args = " + (2 + numArgs) + ")");
        }
        boolean biasAdd = !fusedOps.isEmpty() && fusedOps.get(0).equals("BiasAdd");
        List<String> activations = fusedOps.subList(biasAdd ? 1 : 0, fusedOps.size());
        if (activations.size() > 1 || fusedOps.contains("FusedBatchNorm")) {
            throw new ImportException(model.name(), "node " + node.getName() + ": fused_ops " + fusedOps
                    + " (expected: [BiasAdd], [activation] or [BiasAdd, activation])");
        }
        String activation = activations.isEmpty() ? null : activations.get(0);
        int expectedArgs = (biasAdd ? 1 : 0) + ("Prelu".equals(activation) ? 1 : 0);
        if (numArgs != expectedArgs) {
            throw new ImportException(model.name(), "node " + node.getName() + ": num_args " + numArgs + " for fused_ops " + fusedOps + " (expected: " + expectedArgs + ")");
        }
        DataType type = node.getAttrOrDefault("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()).getType();
        AttrValue t = AttrValue.newBuilder().setType(type).build();

        List<NodeDef> nodes = new ArrayList<>();
        String name = node.getName();
        boolean last = !biasAdd && activation == null;
        NodeDef.Builder base = NodeDef.newBuilder().setName(last ? name : name + "/" + baseOp).setOp(baseOp).setDevice(node.getDevice())
                .addInput(data.get(0)).addInput(data.get(1)).addAllInput(control);
        node.getAttrMap().forEach((k, v) -> {
            if (!DROPPED_ATTRS.contains(k) && !(baseOp.equals("MatMul") && !k.startsWith("transpose") && !k.equals("T"))
                    && !(baseOp.equals("DepthwiseConv2dNative") && k.equals("use_cudnn_on_gpu"))) {
                base.putAttr(k, v);
            }
        });
        base.putAttr("T", t);
        nodes.add(base.build());
        String current = base.getName();
        int arg = 2;
        if (biasAdd) {
            last = activation == null;
            NodeDef bias = NodeDef.newBuilder().setName(last ? name : name + "/BiasAdd").setOp("BiasAdd")
                    .addInput(current).addInput(data.get(arg++)).putAttr("T", t)
                    .putAttr("data_format", node.getAttrOrDefault("data_format", AttrValue.newBuilder().setS(ByteString.copyFromUtf8("NHWC")).build()))
                    .build();
            if (baseOp.equals("MatMul")) {
                bias = bias.toBuilder().removeAttr("data_format").build();
            }
            nodes.add(bias);
            current = bias.getName();
        }
        if (activation != null) {
            nodes.addAll(activation(model, node, activation, current, arg < data.size() ? data.get(arg) : null, t));
        }
        return nodes;
    }

    private static List<NodeDef> activation(TfjsModel model, NodeDef fused, String activation, String input, String alpha, AttrValue t) {
        String name = fused.getName();
        return switch (activation) {
            case "Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh" ->
                    List.of(NodeDef.newBuilder().setName(name).setOp(activation).addInput(input).putAttr("T", t).build());
            case "LeakyRelu" -> {
                float a = fused.getAttrOrDefault("leakyrelu_alpha", AttrValue.newBuilder().setF(0.2f).build()).getF();
                yield List.of(NodeDef.newBuilder().setName(name).setOp("LeakyRelu").addInput(input).putAttr("T", t)
                        .putAttr("alpha", AttrValue.newBuilder().setF(a).build()).build());
            }
            case "Prelu" -> {
                // TF.js prelu(x, a) = x > 0 ? x : a * x  ==  relu(x) + a * (x - relu(x)), exactly in float
                NodeDef pos = NodeDef.newBuilder().setName(name + "/Prelu/pos").setOp("Relu").addInput(input).putAttr("T", t).build();
                NodeDef negPart = NodeDef.newBuilder().setName(name + "/Prelu/neg").setOp("Sub").addInput(input).addInput(pos.getName()).putAttr("T", t).build();
                NodeDef scaled = NodeDef.newBuilder().setName(name + "/Prelu/scaled").setOp("Mul").addInput(alpha).addInput(negPart.getName()).putAttr("T", t).build();
                NodeDef sum = NodeDef.newBuilder().setName(name).setOp("AddV2").addInput(pos.getName()).addInput(scaled.getName()).putAttr("T", t).build();
                yield List.of(pos, negPart, scaled, sum);
            }
            default -> throw new ImportException(model.name(), "node " + fused.getName() + ": fused activation " + activation
                    + " is not supported (expected: Relu, Relu6, Elu, Selu, LeakyRelu, Prelu, Sigmoid, Tanh)");
        };
    }

    private static Map<String, String> inputs(GraphDef graph) {
        Map<String, String> inputs = new LinkedHashMap<>();
        for (NodeDef node : graph.getNodeList()) {
            if (node.getOp().equals("Placeholder")) {
                inputs.put(node.getName(), node.getName() + ":0");
            }
        }
        return inputs;
    }

    /** The signature's outputs, keyed as TF.js names them; without a signature, the graph's sinks. */
    private static Map<String, String> outputs(TfjsModel model, GraphDef graph) {
        JsonNode signature = model.json().has("signature") ? model.json().get("signature")
                : model.json().path("userDefinedMetadata").path("signature");
        Map<String, String> outputs = new LinkedHashMap<>();
        JsonNode declared = signature.path("outputs");
        if (declared.isObject() && declared.size() > 0) {
            declared.fieldNames().forEachRemaining(key -> {
                String tensor = declared.get(key).path("name").asText(key);
                outputs.put(key, tensor.contains(":") ? tensor : tensor + ":0");
            });
            return outputs;
        }
        Set<String> consumed = new HashSet<>();
        for (NodeDef node : graph.getNodeList()) {
            for (String input : node.getInputList()) {
                String source = input.startsWith("^") ? input.substring(1) : input;
                consumed.add(source.contains(":") ? source.substring(0, source.indexOf(':')) : source);
            }
        }
        for (NodeDef node : graph.getNodeList()) {
            if (!consumed.contains(node.getName()) && !node.getOp().equals("Const") && !node.getOp().equals("Placeholder")) {
                outputs.put(node.getName(), node.getName() + ":0");
            }
        }
        return outputs;
    }
}
