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
 *
 * <p>TensorFlow shares one intra-op and one inter-op thread pool across every session of a
 * process, sized by the first session made: a sweep in one JVM would otherwise run every
 * setting with the first one's threads. The session asks for its own inter-op pool
 * ({@code use_per_session_threads}); its own intra-op pool needs
 * {@code TF_OVERRIDE_GLOBAL_THREADPOOL=true} in the environment before the JVM starts, which
 * {@code ./vigil bench} exports. {@link #ownThreadPools()} says whether it is set.
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
    private final int interOpThreads;

    /**
     * Loads the SavedModel in {@code dir} with its own pools of {@code intraOpThreads} intra-op
     * and {@code interOpThreads} inter-op threads. With one inter-op thread, concurrent callers
     * take turns: each call's ops are scheduled on that one thread.
     */
    public BareSession(String model, Path dir, String inputTensor, String outputTensor, int height, int width, int intraOpThreads,
            int interOpThreads) {
        this.model = model;
        this.inputTensor = inputTensor;
        this.outputTensor = outputTensor;
        this.height = height;
        this.width = width;
        this.intraOpThreads = intraOpThreads;
        this.interOpThreads = interOpThreads;
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOpThreads)
                .setInterOpParallelismThreads(interOpThreads)
                .setUsePerSessionThreads(true)
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
            return new ThroughputResult("bare-session", model, batch, callers, null, intraOpThreads, interOpThreads, counts.seconds(),
                    warmUp.toNanos() / 1e9, ThroughputResult.hostCores(), ThroughputResult.thisJvm(), null, counts.images(), counts.calls(),
                    null, null, counts.imagesPerSecond());
        }
    }

    /**
     * Whether TensorFlow gives each session its own intra-op pool in this process
     * ({@code TF_OVERRIDE_GLOBAL_THREADPOOL} true); without it every session shares the pool the
     * first session of the process sized.
     */
    public static boolean ownThreadPools() {
        String v = System.getenv("TF_OVERRIDE_GLOBAL_THREADPOOL");
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }

    @Override
    public void close() {
        bundle.close();
    }
}
