package dev.vigil.bench;

import dev.vigil.engine.model.ModelSession;
import dev.vigil.engine.model.SessionOptions;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.repository.ModelRepository;
import java.util.SplittableRandom;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/** Model sessions and pre-filled batch tensors for the benchmarks' {@code @Setup}; the caller closes both. */
public final class ModelFixtures {
    private ModelFixtures() {
    }

    /**
     * Opens {@code model} from the default repository for one caller; {@code intraOpThreads} 0
     * means one per core.
     */
    public static ModelSession open(String model, int intraOpThreads) {
        SessionOptions options = intraOpThreads > 0 ? new SessionOptions(intraOpThreads, 1)
                : SessionOptions.forCores(Runtime.getRuntime().availableProcessors());
        return open(model, options);
    }

    /** Opens {@code model} from the default repository with these threads. */
    public static ModelSession open(String model, SessionOptions options) {
        return ModelSession.open(new ModelRepository(VigilPaths.resolve(null, null).repository()), model, options);
    }

    /**
     * A {@code [batch, height, width, 3]} tensor of uniform values over the model's input range
     * from {@code seed}: what preprocessing would have written, without the cost of writing it.
     */
    public static TFloat32 randomBatch(ModelSession session, int batch, long seed) {
        ModelManifest.Input in = session.manifest().input();
        double low = in.valueRange()[0];
        double span = in.valueRange()[1] - low;
        TFloat32 tensor = TFloat32.tensorOf(Shape.of(batch, in.height(), in.width(), 3));
        FloatDataBuffer data = tensor.asRawTensor().data().asFloats();
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0, n = data.size(); i < n; i++) {
            data.setFloat((float) (low + span * random.nextDouble()), i);
        }
        return tensor;
    }
}
