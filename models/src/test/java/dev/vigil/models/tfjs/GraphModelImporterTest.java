package dev.vigil.models.tfjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.models.ImportException;
import dev.vigil.models.repository.SavedModelWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

class GraphModelImporterTest {
    @TempDir
    Path tmp;

    /**
     * x [1,2,2,1] -> _FusedConv2D[BiasAdd,Prelu] (1x1, 2 filters, float16 kernel, uint8 bias)
     * -> FusedDepthwiseConv2dNative[Relu6] (no bias) -> output.
     */
    private TinyGraphModel convModel() {
        TinyGraphModel m = new TinyGraphModel().placeholder("x", 1, 2, 2, 1);
        m.constFloat16("w", new long[] {1, 1, 1, 2}, 0x3c00, 0xbc00);          // [1, -1]
        m.constUint8("b", new long[] {2}, 0.5, 0.25, 0, 0);                   // [0.5, 0.5]
        m.constFloat32("alpha", new long[] {2}, 0.1f, 0.2f);
        m.constFloat32("dw", new long[] {1, 1, 2, 1}, 10f, 1f);
        ObjectNode conv = m.node("conv", "_FusedConv2D", "x", "w", "b", "alpha");
        TinyGraphModel.convAttrs(conv);
        TinyGraphModel.fusedOps(conv, 2, "BiasAdd", "Prelu");
        ObjectNode depthwise = m.node("out", "FusedDepthwiseConv2dNative", "conv", "dw");
        TinyGraphModel.convAttrs(depthwise);
        TinyGraphModel.fusedOps(depthwise, 0, "Relu6");
        return m;
    }

    private static float[] run(Path savedModel, String input, long[] shape, float[] values, String output) {
        try (SavedModelBundle bundle = SavedModelBundle.load(savedModel.toString(), SavedModelWriter.TAG);
             TFloat32 x = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
             Result r = bundle.function(SavedModelWriter.SIGNATURE).call(Map.of(input, x))) {
            TFloat32 y = (TFloat32) r.get(output).orElseThrow();
            float[] out = new float[(int) y.shape().size()];
            y.asRawTensor().data().asFloats().read(out);
            return out;
        }
    }

    @Test
    void fusedConvolutionsBecomeStandardOpsWithTheSameResults() throws Exception {
        TfjsModel model = TfjsModelReader.readPlain("tiny", convModel().writePlain(tmp));
        ImportedGraph graph = GraphModelImporter.importModel(model);
        graph.graphDef().getNodeList().forEach(n -> assertFalse(n.getOp().contains("Fused"), n.getOp()));
        assertEquals(Map.of("x", "x:0"), graph.inputs());
        Path saved = tmp.resolve("saved");
        SavedModelWriter.write("tiny", saved, graph.graphDef(), Map.of("image", "x:0"), Map.of("y", "out:0"));

        // conv: [p + 0.5, -p + 0.5], prelu with alpha [0.1, 0.2]; depthwise: [relu6(10 c0), relu6(c1)]
        float[] y = run(saved, "image", new long[] {1, 2, 2, 1}, new float[] {1, 2, -3, 0}, "y");
        float[] expected = {
            6f, 0f,          // p=1:  conv [1.5, -0.1]  -> [15 -> 6, -0.1 -> 0]
            6f, 0f,          // p=2:  conv [2.5, -0.3]  -> [25 -> 6, 0]
            0f, 3.5f,        // p=-3: conv [-0.25, 3.5] -> [-2.5 -> 0, 3.5]
            5f, 0.5f,        // p=0:  conv [0.5, 0.5]   -> [5, 0.5]
        };
        assertArrayEquals(expected, y, 1e-6f);
    }

    @Test
    void fusedMatMulKeepsTransposeAndBias() throws Exception {
        TinyGraphModel m = new TinyGraphModel().placeholder("x", -1, 2);
        m.constFloat32("w", new long[] {2, 2}, 1, 3, 2, 4);   // stored transposed: w^T = [[1,2],[3,4]]
        m.constFloat32("b", new long[] {2}, 1, 1);
        ObjectNode mm = m.node("y", "_FusedMatMul", "x", "w", "b");
        TinyGraphModel.fusedOps(mm, 1, "BiasAdd", "Relu");
        ((ObjectNode) mm.get("attr")).putObject("transpose_b").put("b", true);
        ((ObjectNode) mm.get("attr")).putObject("transpose_a").put("b", false);
        Path saved = tmp.resolve("saved");
        ImportedGraph graph = GraphModelImporter.importModel(TfjsModelReader.readPlain("tiny", m.writePlain(tmp)));
        SavedModelWriter.write("tiny", saved, graph.graphDef(), Map.of("in", "x:0"), Map.of("out", "y:0"));
        // [1,1] -> [1+3, 2+4] + 1 = [5, 7]; [1,-1] -> [1-3, 2-4] + 1 = [-1, -1] -> relu [0, 0]
        assertArrayEquals(new float[] {5, 7, 0, 0}, run(saved, "in", new long[] {2, 2}, new float[] {1, 1, 1, -1}, "out"));
    }

    @Test
    void unknownOpIsRefusedWithItsName() throws Exception {
        TinyGraphModel m = new TinyGraphModel().placeholder("x", 1, 2);
        m.constFloat32("k", new long[] {1}, 2f);
        m.node("y", "NotARealOp", "x", "k");
        ImportedGraph graph = GraphModelImporter.importModel(TfjsModelReader.readPlain("tiny", m.writePlain(tmp)));
        ImportException e = assertThrows(ImportException.class,
                () -> SavedModelWriter.write("tiny", tmp.resolve("saved"), graph.graphDef(), Map.of("in", "x:0"), Map.of("out", "y:0")));
        assertTrue(e.getMessage().startsWith("tiny: TensorFlow refused the converted graph"), e.getMessage());
        assertTrue(e.getMessage().contains("NotARealOp"), e.getMessage());
    }

    @Test
    void unsupportedFusedActivationIsNamed() throws Exception {
        TinyGraphModel m = new TinyGraphModel().placeholder("x", 1, 1, 1, 1);
        m.constFloat32("w", new long[] {1, 1, 1, 1}, 1f);
        m.constFloat32("b", new long[] {1}, 0f);
        ObjectNode conv = m.node("y", "_FusedConv2D", "x", "w", "b");
        TinyGraphModel.convAttrs(conv);
        TinyGraphModel.fusedOps(conv, 1, "BiasAdd", "Gelu");
        ImportException e = assertThrows(ImportException.class,
                () -> GraphModelImporter.importModel(TfjsModelReader.readPlain("tiny", m.writePlain(tmp))));
        assertTrue(e.getMessage().contains("node y: fused activation Gelu is not supported"), e.getMessage());
    }

    @Test
    void weightWithoutConstNodeIsRefused() throws Exception {
        TinyGraphModel m = new TinyGraphModel().placeholder("x", 1);
        m.constFloat32("k", new long[] {1}, 2f);
        m.node("y", "Mul", "x", "k");
        ((com.fasterxml.jackson.databind.node.ArrayNode) m.root.get("weightsManifest").get(0).get("weights")).addObject()
                .put("name", "orphan").put("dtype", "float32").putArray("shape").add(1);
        Path json = m.writePlain(tmp);
        java.nio.file.Files.write(tmp.resolve("tiny.bin"), new byte[8]);
        ImportException e = assertThrows(ImportException.class, () -> GraphModelImporter.importModel(TfjsModelReader.readPlain("tiny", json)));
        assertEquals("tiny: weight orphan has no Const node of that name in modelTopology", e.getMessage());
    }
}
