package dev.vigil.models.tfjs;

import java.util.Map;
import org.tensorflow.proto.GraphDef;

/**
 * The result of converting a TensorFlow.js model: a GraphDef of standard TensorFlow ops with
 * the weights as constants, and where its inputs and outputs are.
 *
 * @param graphDef the graph; contains no TF.js-only op
 * @param inputs   TF.js input name (Placeholder node or Keras input layer) to graph tensor name ({@code node:index})
 * @param outputs  TF.js output name (signature key or Keras output layer) to graph tensor name
 */
public record ImportedGraph(GraphDef graphDef, Map<String, String> inputs, Map<String, String> outputs) {
}
