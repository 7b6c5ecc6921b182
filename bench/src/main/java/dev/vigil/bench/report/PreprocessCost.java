package dev.vigil.bench.report;

import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.Pixels;
import dev.vigil.engine.model.Preprocessor;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * What preprocessing one image costs ({@link Preprocessor#write}: resize, channel order, value
 * range, into its slot of the batch tensor), on the photos decoded as the gate decodes them
 * (reduced-scale decode keeping sides of at least {@link #GATE_REDUCED_DECODE_SIDE}). The gate
 * does this inside its model call, so its verdict timings count it in inference; this
 * measurement lets the report show it apart. Decodes, measures and closes everything inside
 * {@link #microsPerImage}; stateless.
 */
public final class PreprocessCost {
    /** The gate's default reduced decode side ({@code Gate.Builder}'s {@code reducedDecodeSide}). */
    static final int GATE_REDUCED_DECODE_SIDE = 448;

    private PreprocessCost() {
    }

    /** Mean microseconds per image, cycling through {@code images} for at least {@code minTime} after one untimed pass. */
    public static double microsPerImage(String model, List<byte[]> images, Duration minTime) {
        Preprocessor preprocessor = new Preprocessor(new ModelRepository(VigilPaths.resolve(null, null).repository()).latest(model).input());
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
        List<Pixels> decoded = new ArrayList<>();
        try (TFloat32 slot = TFloat32.tensorOf(Shape.of(1, preprocessor.height(), preprocessor.width(), 3))) {
            for (byte[] image : images) {
                decoded.add(decoder.decode(new EncodedImage(image), GATE_REDUCED_DECODE_SIDE, GATE_REDUCED_DECODE_SIDE));
            }
            FloatDataBuffer data = slot.asRawTensor().data().asFloats();
            for (Pixels p : decoded) {
                preprocessor.write(p, data, 0);
            }
            long start = System.nanoTime();
            long end = start + minTime.toNanos();
            long written = 0;
            long now = start;
            while (now < end) {
                for (Pixels p : decoded) {
                    preprocessor.write(p, data, 0);
                }
                written += decoded.size();
                now = System.nanoTime();
            }
            return (now - start) / 1000.0 / written;
        } finally {
            decoded.forEach(Pixels::close);
        }
    }
}
