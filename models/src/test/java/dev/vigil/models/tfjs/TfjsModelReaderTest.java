package dev.vigil.models.tfjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.models.ImportException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading nsfwjs's browserified bundles and plain model.json + shards, and their failures. */
class TfjsModelReaderTest {
    @TempDir
    Path dir;
    private TinyGraphModel model;

    /** The UMD + browserify wrapper nsfwjs's bundles use, around one exported literal. */
    static String bundle(String global, String literal) {
        return "!function(V){if(\"object\"==typeof exports&&\"undefined\"!=typeof module)module.exports=V();else if(\"function\"==typeof define"
                + "&&define.amd)define([],V);else{(\"undefined\"!=typeof window?window:this)." + global + "=V()}}(function(){return function V(W,X,l)"
                + "{return l}({1:[function(d,h,Z){h.exports=" + literal + "},{}]},{},[1])(1)});\n";
    }

    @BeforeEach
    void twoShardModel() throws Exception {
        model = new TinyGraphModel().placeholder("x", 1, 4);
        model.constFloat32("k", new long[] {4}, 1f, 2f, 3f, 4f);
        model.node("y", "Mul", "x", "k");
        ((com.fasterxml.jackson.databind.node.ObjectNode) model.root.get("weightsManifest").get(0)).putArray("paths").add("group1-shard1of2").add("group1-shard2of2");
        byte[] data = model.weightBytes();
        String json = TinyGraphModel.JSON.writeValueAsString(model.root);
        // the model JSON as a minifier writes it: unquoted keys where it can, !0 for true
        String literal = json.replace("\"format\":", "format:").replace("\"modelTopology\":", "modelTopology:");
        Files.writeString(dir.resolve("model.min.js"), bundle("model", literal));
        writeShard(1, Arrays.copyOfRange(data, 0, 6));
        writeShard(2, Arrays.copyOfRange(data, 6, 16));
    }

    private void writeShard(int k, byte[] bytes) throws Exception {
        Files.writeString(dir.resolve("group1-shard" + k + "of2.min.js"),
                bundle("group1_shard" + k + "of2", "\"" + Base64.getEncoder().encodeToString(bytes) + "\""));
    }

    @Test
    void readsBundleAcrossShards() {
        TfjsModel m = TfjsModelReader.readNsfwjsBundle("tiny", dir);
        assertEquals(TfjsModel.Kind.GRAPH, m.kind());
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, m.weights().get("k").floats());
    }

    @Test
    void truncatedShardIsRefused() throws Exception {
        writeShard(2, new byte[] {1, 2, 3});
        ImportException e = assertThrows(ImportException.class, () -> TfjsModelReader.readNsfwjsBundle("tiny", dir));
        assertEquals("tiny: shards [group1-shard1of2, group1-shard2of2]: weights: shards hold 9 bytes "
                + "(expected: 16 bytes for the 1 weights in weightsManifest)", e.getMessage());
    }

    @Test
    void extraShardFileIsRefused() throws Exception {
        Files.writeString(dir.resolve("group1-shard3of3.min.js"), bundle("group1_shard3of3", "\"AAAA\""));
        ImportException e = assertThrows(ImportException.class, () -> TfjsModelReader.readNsfwjsBundle("tiny", dir));
        assertTrue(e.getMessage().contains("shard files [group1-shard1of2, group1-shard2of2, group1-shard3of3] (expected: the 2 shards weightsManifest lists"),
                e.getMessage());
    }

    @Test
    void missingShardIsRefused() throws Exception {
        Files.delete(dir.resolve("group1-shard2of2.min.js"));
        ImportException e = assertThrows(ImportException.class, () -> TfjsModelReader.readNsfwjsBundle("tiny", dir));
        assertTrue(e.getMessage().contains("shard files [group1-shard1of2]"), e.getMessage());
    }

    @Test
    void corruptShardIsRefused() throws Exception {
        Files.writeString(dir.resolve("group1-shard1of2.min.js"), bundle("group1_shard1of2", "\"not base64 at all!\""));
        ImportException e = assertThrows(ImportException.class, () -> TfjsModelReader.readNsfwjsBundle("tiny", dir));
        assertTrue(e.getMessage().contains("group1-shard1of2.min.js: exported string is not valid base64"), e.getMessage());
    }

    @Test
    void bundleThatComputesItsValueIsRefused() throws Exception {
        Files.writeString(dir.resolve("model.min.js"), bundle("model", "JSON.parse(atob(\"e30=\"))"));
        ImportException e = assertThrows(ImportException.class, () -> TfjsModelReader.readNsfwjsBundle("tiny", dir));
        assertTrue(e.getMessage().contains("model.min.js: exported value is not a plain literal: offset"), e.getMessage());
    }

    @Test
    void bundleForAnotherFileIsRefused() throws Exception {
        Files.writeString(dir.resolve("group1-shard1of2.min.js"), bundle("group1_shard9of9", "\"AAAA\""));
        ImportException e = assertThrows(ImportException.class, () -> TfjsModelReader.readNsfwjsBundle("tiny", dir));
        assertTrue(e.getMessage().contains("does not export the global 'group1_shard1of2'"), e.getMessage());
    }

    @Test
    void plainModelWithMissingShardFileIsRefused() throws Exception {
        TinyGraphModel m = new TinyGraphModel().placeholder("x", 1);
        m.constFloat32("k", new long[] {1}, 1f);
        Path json = m.writePlain(dir);
        Files.delete(dir.resolve("tiny.bin"));
        ImportException e = assertThrows(ImportException.class, () -> TfjsModelReader.readPlain("tiny", json));
        assertTrue(e.getMessage().endsWith("tiny.bin: shard file missing (weightsManifest lists 1 shards: [tiny.bin])"), e.getMessage());
    }
}
