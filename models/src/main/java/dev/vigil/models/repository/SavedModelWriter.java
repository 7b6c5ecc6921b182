package dev.vigil.models.repository;

import dev.vigil.models.ImportException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Writes a frozen graph (weights as constants, no variables) as a TensorFlow SavedModel:
 * {@code saved_model.pb} with one MetaGraph tagged {@code serve} and a {@code serving_default}
 * signature, and an empty {@code variables/} folder, which TensorFlow's loader accepts as
 * "no variables to restore". Each signature tensor's dtype and shape are read from the graph
 * after importing it, so a graph TensorFlow cannot import is refused here, not at serving time.
 * Stateless and thread-safe.
 */
public final class SavedModelWriter {
    public static final String TAG = "serve";
    public static final String SIGNATURE = "serving_default";

    private SavedModelWriter() {
    }

    /**
     * @param dir     folder to write into (created; must not hold a SavedModel already)
     * @param inputs  signature key to graph tensor name ({@code node:index})
     * @param outputs signature key to graph tensor name
     * @return the signature's tensors, key to their description, inputs first
     */
    public static Map<String, TensorDescription> write(String model, Path dir, GraphDef graphDef,
                                                       Map<String, String> inputs, Map<String, String> outputs) {
        SignatureDef.Builder signature = SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict");
        Map<String, TensorDescription> described = new LinkedHashMap<>();
        try (Graph graph = new Graph()) {
            try {
                graph.importGraphDef(graphDef);
            } catch (IllegalArgumentException | TensorFlowException e) {
                throw new ImportException(model, "TensorFlow refused the converted graph: " + e.getMessage(), e);
            }
            inputs.forEach((key, tensor) -> {
                TensorDescription d = describe(model, graph, tensor);
                described.put(key, d);
                signature.putInputs(key, d.toTensorInfo());
            });
            outputs.forEach((key, tensor) -> {
                TensorDescription d = describe(model, graph, tensor);
                described.put(key, d);
                signature.putOutputs(key, d.toTensorInfo());
            });
        }
        SavedModel savedModel = SavedModel.newBuilder()
                .setSavedModelSchemaVersion(1)
                .addMetaGraphs(MetaGraphDef.newBuilder()
                        .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags(TAG))
                        .setGraphDef(graphDef)
                        .putSignatureDef(SIGNATURE, signature.build()))
                .build();
        try {
            Files.createDirectories(dir.resolve("variables"));
            try (OutputStream out = Files.newOutputStream(dir.resolve("saved_model.pb"))) {
                savedModel.writeTo(out);
            }
        } catch (IOException e) {
            throw new ImportException(model, dir + ": cannot write the SavedModel (" + e.getMessage() + ")", e);
        }
        return described;
    }

    private static TensorDescription describe(String model, Graph graph, String tensor) {
        Output<?> output;
        try {
            output = graph.outputOrThrow(tensor);
        } catch (IllegalArgumentException e) {
            throw new ImportException(model, "signature tensor " + tensor + " is not in the converted graph", e);
        }
        long[] shape = output.shape().isUnknown() ? new long[0] : output.shape().asArray();
        return new TensorDescription(tensor, output.dataType(), shape, output.shape().isUnknown());
    }

    /** A signature tensor: graph name, dtype and static shape (-1 for an unknown size). */
    public record TensorDescription(String tensor, DataType dtype, long[] shape, boolean unknownRank) {
        TensorInfo toTensorInfo() {
            TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
            if (unknownRank) {
                s.setUnknownRank(true);
            } else {
                for (long d : shape) {
                    s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
                }
            }
            return TensorInfo.newBuilder().setName(tensor).setDtype(dtype).setTensorShape(s).build();
        }
    }
}
