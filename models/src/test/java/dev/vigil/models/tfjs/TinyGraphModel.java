package dev.vigil.models.tfjs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Builds small TF.js graph models in the converter's JSON form, for tests: nodes with attrs as
 * TF.js writes them (base64 strings, int64 as strings) and weights in float32, float16 or
 * uint8-affine shards. Not thread-safe.
 */
final class TinyGraphModel {
    static final ObjectMapper JSON = new ObjectMapper();

    final ObjectNode root = JSON.createObjectNode();
    private final ArrayNode nodes;
    private final ArrayNode weights;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();

    TinyGraphModel() {
        root.put("format", "graph-model");
        nodes = root.putObject("modelTopology").putArray("node");
        ObjectNode group = root.putArray("weightsManifest").addObject();
        group.putArray("paths").add("tiny.bin");
        weights = group.putArray("weights");
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    ObjectNode node(String name, String op, String... inputs) {
        ObjectNode n = nodes.addObject().put("name", name).put("op", op);
        ArrayNode in = n.putArray("input");
        for (String i : inputs) {
            in.add(i);
        }
        n.putObject("attr").putObject("T").put("type", "DT_FLOAT");
        return n;
    }

    TinyGraphModel placeholder(String name, long... shape) {
        ObjectNode n = nodes.addObject().put("name", name).put("op", "Placeholder");
        ObjectNode attr = n.putObject("attr");
        attr.putObject("dtype").put("type", "DT_FLOAT");
        ArrayNode dims = attr.putObject("shape").putObject("shape").putArray("dim");
        for (long d : shape) {
            dims.addObject().put("size", Long.toString(d));
        }
        return this;
    }

    /** A Const node whose value is stored in the shard as float32. */
    TinyGraphModel constFloat32(String name, long[] shape, float... values) {
        constNode(name);
        weight(name, shape).put("dtype", "float32");
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        data.writeBytes(b.array());
        return this;
    }

    /** A Const node stored as float16 (the values must be exact in half precision). */
    TinyGraphModel constFloat16(String name, long[] shape, int... halves) {
        constNode(name);
        ObjectNode w = weight(name, shape).put("dtype", "float32");
        w.putObject("quantization").put("dtype", "float16");
        for (int h : halves) {
            data.write(h & 0xff);
            data.write(h >>> 8);
        }
        return this;
    }

    /** A Const node stored uint8-affine: value = q * scale + min. */
    TinyGraphModel constUint8(String name, long[] shape, double min, double scale, int... quantised) {
        constNode(name);
        ObjectNode w = weight(name, shape).put("dtype", "float32");
        w.putObject("quantization").put("dtype", "uint8").put("min", min).put("scale", scale);
        for (int q : quantised) {
            data.write(q);
        }
        return this;
    }

    private void constNode(String name) {
        ObjectNode n = nodes.addObject().put("name", name).put("op", "Const");
        ObjectNode attr = n.putObject("attr");
        attr.putObject("dtype").put("type", "DT_FLOAT");
        attr.putObject("value").putObject("tensor").put("dtype", "DT_FLOAT");
    }

    private ObjectNode weight(String name, long[] shape) {
        ObjectNode w = weights.addObject().put("name", name);
        ArrayNode s = w.putArray("shape");
        for (long d : shape) {
            s.add(d);
        }
        return w;
    }

    static void ints(ObjectNode attr, String name, long... values) {
        ArrayNode list = attr.putObject(name).putObject("list").putArray("i");
        for (long v : values) {
            list.add(Long.toString(v));
        }
    }

    static void fusedOps(ObjectNode node, int numArgs, String... ops) {
        ObjectNode attr = (ObjectNode) node.get("attr");
        ArrayNode s = attr.putObject("fused_ops").putObject("list").putArray("s");
        for (String op : ops) {
            s.add(b64(op));
        }
        attr.putObject("num_args").put("i", Integer.toString(numArgs));
    }

    static void convAttrs(ObjectNode node) {
        ObjectNode attr = (ObjectNode) node.get("attr");
        ints(attr, "strides", 1, 1, 1, 1);
        ints(attr, "dilations", 1, 1, 1, 1);
        attr.putObject("padding").put("s", b64("SAME"));
        attr.putObject("data_format").put("s", b64("NHWC"));
    }

    byte[] weightBytes() {
        return data.toByteArray();
    }

    /** Writes {@code tiny.json} and {@code tiny.bin} into {@code dir}; returns the JSON's path. */
    Path writePlain(Path dir) throws IOException {
        Files.writeString(dir.resolve("tiny.json"), JSON.writeValueAsString(root));
        Files.write(dir.resolve("tiny.bin"), weightBytes());
        return dir.resolve("tiny.json");
    }
}
