package dev.vigil.engine.model;

import dev.vigil.engine.GateException;
import dev.vigil.engine.image.Pixels;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.repository.ModelRepository;
import dev.vigil.models.repository.SavedModelWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TFloat32;

/**
 * One repository model loaded into TensorFlow, in the {@link Precision} its
 * {@link SessionOptions} ask for: its manifest, its preprocessor and the SavedModel session. {@link #run} takes a batch of images, preprocesses them straight into
 * one input tensor and returns each image's outputs. Owns the SavedModel and closes it;
 * {@link #run} is thread-safe (TensorFlow sessions are), but the engine calls it from the
 * model's one batching thread.
 */
public final class ModelSession implements AutoCloseable {
    private final ModelManifest manifest;
    private final Precision precision;
    private final Preprocessor preprocessor;
    private final SavedModelBundle bundle;
    private final SessionFunction function;
    /** The batch size the graph fixes (BlazeFace's is 1), or -1 when it takes any. */
    private final long fixedBatch;
    /** Pad each batch to a power of two (a GPU: a fixed set of shapes), the padding zeros and its outputs dropped. */
    private boolean padBatches;
    private volatile boolean closed;

    private ModelSession(ModelManifest manifest, SavedModelBundle bundle, Precision precision, Preprocessing preprocessing) {
        this.manifest = manifest;
        this.precision = precision;
        this.preprocessor = new Preprocessor(manifest.input(), preprocessing);
        this.bundle = bundle;
        this.function = bundle.function(manifest.signature());
        this.fixedBatch = manifest.input().shape()[0];
    }

    /**
     * Loads the latest version of {@code name}; fails with the repository's message if it is
     * missing, and for {@link Precision#BF16} when TensorFlow ran no op in bfloat16.
     */
    public static ModelSession open(ModelRepository repository, String name, SessionOptions options) {
        ModelManifest manifest = repository.latest(name);
        var dir = repository.versionDir(manifest.name(), manifest.version());
        if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
            throw new GateException("model " + name + ": " + dir.resolve("saved_model.pb") + " missing");
        }
        try {
            repository.verifyFiles(manifest);
        } catch (dev.vigil.models.ModelException e) {
            throw new GateException(e.getMessage(), e);
        }
        ConfigProto config = configProto(options);
        SavedModelBundle bundle;
        try {
            bundle = SavedModelBundle.loader(dir.toString()).withTags(SavedModelWriter.TAG).withConfigProto(config).load();
        } catch (TensorFlowException e) {
            throw new GateException("model " + name + ": TensorFlow cannot load " + dir + " (" + e.getMessage() + ")", e);
        }
        try {
            ModelSession session = new ModelSession(manifest, bundle, options.precision(), options.preprocessing());
            session.padBatches = options.device().gpu();
            if (options.precision() == Precision.BF16) {
                session.requireBfloat16();
            }
            return session;
        } catch (RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    /**
     * The session's TensorFlow config: threads (its own inter-op pool; see {@link SessionOptions}),
     * and for {@link Precision#BF16} Grappler's oneDNN bfloat16 rewrite, which TensorFlow applies
     * to the graph when the session is made.
     */
    static ConfigProto configProto(SessionOptions options) {
        RewriterConfig.Builder rewrites = RewriterConfig.newBuilder();
        if (options.precision() == Precision.BF16) {
            rewrites.setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON);
        }
        ConfigProto.Builder config = ConfigProto.newBuilder();
        if (options.device().gpu()) {
            // only the chosen GPU, its memory taken as needed rather than all at once
            config.setGpuOptions(org.tensorflow.proto.GPUOptions.newBuilder()
                    .setVisibleDeviceList(Integer.toString(options.device().index()))
                    .setAllowGrowth(true));
        } else {
            config.putDeviceCount("GPU", 0);
        }
        return config
                .setIntraOpParallelismThreads(options.intraOpThreads())
                .setInterOpParallelismThreads(options.interOpThreads())
                // its own inter-op pool: TensorFlow's shared one is sized by whichever session came first
                .setUsePerSessionThreads(true)
                .setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(rewrites))
                .build();
    }

    /** The precision this session was opened in. */
    public Precision precision() {
        return precision;
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /** {@code name/version}, as verdicts report it. */
    public String id() {
        return manifest.name() + "/" + manifest.version();
    }

    /**
     * Runs the model on {@code images}; result {@code i} maps each output key to image
     * {@code i}'s values. A model with a fixed batch size of 1 runs the images one by one.
     */
    public List<Map<String, float[]>> run(List<? extends Pixels> images) {
        return run(images.size(), (input, index) -> preprocessor.write(images.get(index), input, 0));
    }

    /**
     * Runs the model on {@code count} inputs that {@code writer} writes straight into the batch
     * tensor, for inputs that are not whole images (face crops): result {@code i} maps each
     * output key to input {@code i}'s values. The writer must fill all {@link #inputSize()}
     * floats of each input it is given, already in the model's value range and colour order.
     * A model with a fixed batch size of 1 runs the inputs one by one.
     */
    public List<Map<String, float[]>> run(int count, InputWriter writer) {
        if (closed) {
            throw new IllegalStateException("model " + id() + " is closed");
        }
        if (fixedBatch == 1 && count > 1) {
            List<Map<String, float[]>> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int index = i;
                out.addAll(run(1, (input, ignored) -> writer.write(input, index)));
            }
            return out;
        }
        int rows = padBatches && fixedBatch < 0 ? paddedBatch(count) : count;
        Shape shape = Shape.of(rows, preprocessor.height(), preprocessor.width(), 3);
        try (TFloat32 input = TFloat32.tensorOf(shape)) {
            FloatDataBuffer data = input.asRawTensor().data().asFloats();
            long size = inputSize();
            for (int i = 0; i < count; i++) {
                writer.write(data.slice(i * size, size), i);
            }
            if (rows > count) {
                data.slice(count * size, (rows - count) * size).write(new float[Math.toIntExact((rows - count) * size)]);
                return new ArrayList<>(call(input, rows).subList(0, count));
            }
            return call(input, count);
        }
    }

    /**
     * Runs the model on a batch tensor the caller has already filled: shape
     * {@code [n, height, width, 3]}, preprocessed as the manifest says. Inference alone, for
     * measuring it apart from preprocessing (the bench module); the engine itself uses
     * {@link #run}. The caller keeps and closes {@code batch}. A model with a fixed batch size
     * takes only that size.
     */
    public List<Map<String, float[]>> runPrepared(TFloat32 batch) {
        if (closed) {
            throw new IllegalStateException("model " + id() + " is closed");
        }
        Shape expected = Shape.of(batch.shape().size(0), preprocessor.height(), preprocessor.width(), 3);
        if (!batch.shape().equals(expected) || (fixedBatch > 0 && batch.shape().size(0) != fixedBatch)) {
            throw new IllegalArgumentException("batch.shape: " + batch.shape() + " (expected: [" + (fixedBatch > 0 ? fixedBatch : "n")
                    + ", " + preprocessor.height() + ", " + preprocessor.width() + ", 3])");
        }
        return call(batch, Math.toIntExact(batch.shape().size(0)));
    }

    /**
     * The graph TensorFlow actually ran for {@code batch}, after Grappler's rewrites: the count
     * of each {@code "op dtype"} (dtype from the op's {@code T} attribute, empty when it has
     * none), e.g. {@code "_MklNativeFusedConv2D DT_BFLOAT16" -> 35}. Evidence of what
     * {@link Precision} did, for the bench and tests; one traced run, not for serving.
     */
    public Map<String, Integer> executedOps(TFloat32 batch) {
        if (closed) {
            throw new IllegalStateException("model " + id() + " is closed");
        }
        SignatureDef signature = bundle.metaGraphDef().getSignatureDefMap().get(manifest.signature());
        String input = signature.getInputsOrThrow(manifest.input().key()).getName();
        Session.Runner runner = bundle.session().runner().feed(input, batch);
        for (ModelManifest.Output o : manifest.outputs()) {
            runner.fetch(signature.getOutputsOrThrow(o.key()).getName());
        }
        RunOptions traced = RunOptions.newBuilder().setOutputPartitionGraphs(true).build();
        Map<String, Integer> ops = new TreeMap<>();
        try (Result result = runner.setOptions(traced).runAndFetchMetadata()) {
            RunMetadata metadata = result.getMetadata().orElseThrow(() -> new GateException("model " + id() + ": TensorFlow returned no run metadata"));
            for (GraphDef graph : metadata.getPartitionGraphsList()) {
                for (NodeDef node : graph.getNodeList()) {
                    AttrValue type = node.getAttrMap().get("T");
                    ops.merge(node.getOp() + " " + (type != null ? type.getType().name() : ""), 1, Integer::sum);
                }
            }
        } catch (TensorFlowException e) {
            throw new GateException("model " + id() + ": traced run failed (" + e.getMessage() + ")", e);
        }
        return ops;
    }

    /**
     * Grappler skips the bfloat16 rewrite on a CPU without AVX512_BF16 or AMX, and drops it
     * (logging, not failing) when it cannot apply it; the session would then quietly run FP32.
     */
    private void requireBfloat16() {
        try (TFloat32 probe = TFloat32.tensorOf(Shape.of(1, preprocessor.height(), preprocessor.width(), 3))) {
            Map<String, Integer> ops = executedOps(probe);
            if (ops.keySet().stream().noneMatch(op -> op.endsWith(" DT_BFLOAT16"))) {
                throw new GateException("model " + id() + ": precision BF16 requested, but TensorFlow ran no op in bfloat16"
                        + " (the oneDNN bfloat16 rewrite needs a CPU with AVX512_BF16 or AMX; see TensorFlow's log)");
            }
        }
    }

    /** The power of two at or above {@code count}: the batch shapes a padded session runs. */
    static int paddedBatch(int count) {
        return count <= 1 ? 1 : Integer.highestOneBit(count - 1) << 1;
    }

    /** Pads batches as on a GPU, on any device: for tests, which have no GPU. */
    void padBatches(boolean pad) {
        this.padBatches = pad;
    }

    /** Floats one input occupies in the batch tensor: height × width × 3. */
    public long inputSize() {
        return preprocessor.imageSize();
    }

    /**
     * Writes input {@code index} of a batch into {@code input}: a view of the input tensor's
     * own memory, exactly {@link #inputSize()} floats long (NHWC without the N). Called on the
     * thread that runs the batch, once per index, in order.
     */
    @FunctionalInterface
    public interface InputWriter {
        void write(FloatDataBuffer input, int index);
    }

    /** Runs a batch of zeros, so TensorFlow builds its kernels for that size before traffic does. */
    public void warmUp(int batchSize) {
        int n = fixedBatch == 1 ? 1 : batchSize;
        try (TFloat32 input = TFloat32.tensorOf(Shape.of(n, preprocessor.height(), preprocessor.width(), 3))) {
            call(input, n);
        }
    }

    private List<Map<String, float[]>> call(TFloat32 input, int n) {
        List<Map<String, float[]>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new LinkedHashMap<>());
        }
        try (Result result = function.call(Map.of(manifest.input().key(), input))) {
            for (ModelManifest.Output o : manifest.outputs()) {
                Tensor t = result.get(o.key()).orElseThrow(() -> new GateException("model " + id() + ": no output " + o.key()));
                if (!(t instanceof TFloat32 f)) {
                    throw new GateException("model " + id() + ": output " + o.key() + " is " + t.dataType() + " (expected: float32)");
                }
                FloatDataBuffer values = f.asRawTensor().data().asFloats();
                long per = f.shape().size() / n;
                for (int i = 0; i < n; i++) {
                    float[] row = new float[Math.toIntExact(per)];
                    values.offset(i * per).read(row);
                    out.get(i).put(o.key(), row);
                }
            }
        } catch (TensorFlowException e) {
            throw new GateException("model " + id() + ": inference failed (" + e.getMessage() + ")", e);
        }
        return out;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            bundle.close();
        }
    }
}
