package dev.vigil.bench.throughput;

import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * The ceiling: TensorFlow Java alone, {@link SavedModelBundle} and {@code session.runner()}
 * fed a pre-made tensor, with no Vigil code on the measured path. Only the model's folder, its
 * tensor names and input size come from Vigil's manifest, before anything is timed. One
 * instance holds one loaded SavedModel with one thread setting and closes it; {@link #measure}
 * may be called repeatedly, not concurrently.
 */
public final class BareSession implements AutoCloseable {
    /** The tag Vigil's repository writes its SavedModels with. */
    static final String TAG = "serve";

    private final String model;
    private final SavedModelBundle bundle;
    private final String inputTensor;
    private final String outputTensor;
    private final int height;
    private final int width;
    private final int intraOpThreads;

    /**
     * Loads the SavedModel in {@code dir} with {@code intraOpThreads} intra-op threads and one
     * inter-op thread, as the engine configures its sessions.
     */
    public BareSession(String model, Path dir, String inputTensor, String outputTensor, int height, int width, int intraOpThreads) {
        this.model = model;
        this.inputTensor = inputTensor;
        this.outputTensor = outputTensor;
        this.height = height;
        this.width = width;
        this.intraOpThreads = intraOpThreads;
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOpThreads)
                .setInterOpParallelismThreads(1)
                .build();
        this.bundle = SavedModelBundle.loader(dir.toString()).withTags(TAG).withConfigProto(config).load();
    }

    /** Images per second with {@code callers} threads each running batches of {@code batch}. */
    public ThroughputResult measure(int batch, int callers, Duration warmUp, Duration measured) {
        try (TFloat32 input = TFloat32.tensorOf(Shape.of(batch, height, width, 3))) {
            FloatDataBuffer data = input.asRawTensor().data().asFloats();
            SplittableRandom random = new SplittableRandom(42);
            for (long i = 0, n = data.size(); i < n; i++) {
                data.setFloat(random.nextFloat(), i);
            }
            Session session = bundle.session();
            TimedCalls.Counts counts = TimedCalls.run(callers, warmUp, measured, () -> {
                try (Result result = session.runner().feed(inputTensor, input).fetch(outputTensor).run()) {
                    TFloat32 out = (TFloat32) result.get(0);
                    if (out.shape().size(0) != batch) {
                        throw new IllegalStateException("output " + outputTensor + ": shape " + out.shape() + " (expected: batch " + batch + ")");
                    }
                    return batch;
                }
            });
            return new ThroughputResult("bare-session", model, batch, callers, null, intraOpThreads, 1, counts.seconds(),
                    warmUp.toNanos() / 1e9, ThroughputResult.hostCores(), ThroughputResult.thisJvm(), null, counts.images(), counts.calls(),
                    null, null, counts.imagesPerSecond());
        }
    }

    @Override
    public void close() {
        bundle.close();
    }
}
