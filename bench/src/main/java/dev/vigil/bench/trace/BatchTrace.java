package dev.vigil.bench.trace;

import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.repository.ModelRepository;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.StepStats;
import org.tensorflow.types.TFloat32;

/**
 * One batch of a model from the repository, run with {@code RunOptions.TraceLevel.FULL_TRACE}
 * so that TensorFlow records every node's start and duration on every device. The SavedModel
 * is loaded as the engine loads it (the manifest's tags, input and output tensors; the given
 * intra-op threads, one inter-op thread) and run {@link #WARM_UP_RUNS} times untraced first, so
 * the trace shows a steady batch and not the first call's graph optimisation and allocation.
 * Loads, runs and closes everything inside {@link #run}; stateless.
 */
public final class BatchTrace {
    /** Untraced runs before the traced one. */
    static final int WARM_UP_RUNS = 2;

    /** The model traced and its step statistics. */
    public record Traced(String model, int version, int batch, int intraOpThreads, String inputTensor, String outputTensor, StepStats stats) {
    }

    private BatchTrace() {
    }

    /** Traces one batch of {@code batch} seeded random inputs (in the model's value range) through {@code model}. */
    public static Traced run(String model, int batch, int intraOpThreads) {
        ModelRepository repository = new ModelRepository(VigilPaths.resolve(null, null).repository());
        ModelManifest manifest = repository.latest(model);
        Path dir = repository.versionDir(manifest.name(), manifest.version());
        ModelManifest.Input in = manifest.input();
        if (in.shape()[0] > 0 && in.shape()[0] != batch) {
            throw new IllegalArgumentException("--batch: " + batch + " (expected: " + in.shape()[0] + ", model " + model + " has a fixed batch size)");
        }
        String output = manifest.outputs().get(0).tensor();
        ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(intraOpThreads).setInterOpParallelismThreads(1).build();
        try (SavedModelBundle bundle = SavedModelBundle.loader(dir.toString()).withTags("serve").withConfigProto(config).load();
             TFloat32 input = TFloat32.tensorOf(Shape.of(batch, in.height(), in.width(), 3))) {
            FloatDataBuffer data = input.asRawTensor().data().asFloats();
            SplittableRandom random = new SplittableRandom(42);
            double low = in.valueRange()[0];
            double span = in.valueRange()[1] - low;
            for (long i = 0, n = data.size(); i < n; i++) {
                data.setFloat((float) (low + span * random.nextDouble()), i);
            }
            Session session = bundle.session();
            for (int i = 0; i < WARM_UP_RUNS; i++) {
                try (Result ignored = session.runner().feed(in.tensor(), input).fetch(output).run()) {
                    // warm-up: the result is closed unread
                }
            }
            RunOptions options = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
            try (Result result = session.runner().setOptions(options).feed(in.tensor(), input).fetch(output).runAndFetchMetadata()) {
                RunMetadata metadata = result.getMetadata()
                        .orElseThrow(() -> new IllegalStateException("model " + model + ": TensorFlow returned no run metadata for a FULL_TRACE run"));
                return new Traced(manifest.name(), manifest.version(), batch, intraOpThreads, in.tensor(), output, metadata.getStepStats());
            }
        }
    }
}
